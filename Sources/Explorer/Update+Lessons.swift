extension Explorer {
    static func perform(_ action: LessonAction, _ state: inout ExplorerState) -> [Effect] {
        switch action {
        case .next:
            if state.tourStep + 1 < Tour.steps.count {
                state.tourStep += 1
                state.focus = Tour.steps[state.tourStep].pane
            } else {
                state.overlay = .none
            }
        case .back: state.tourStep = max(0, state.tourStep - 1)
        case .close: state.overlay = .none
        }
        return []
    }

    static func openTour(_ state: inout ExplorerState) -> [Effect] {
        state.overlay = .tour
        state.tourStep = 0
        state.focus = Tour.steps[0].pane
        return []
    }
}
