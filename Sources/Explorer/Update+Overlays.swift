extension Explorer {
    static func perform(_ action: HelpAction, _ state: inout ExplorerState) -> [Effect] {
        switch action {
        case .scrollDown: state.detailScroll += 1
        case .scrollUp: state.detailScroll = max(0, state.detailScroll - 1)
        case .close: state.overlay = .none
        }
        return []
    }

    static func perform(_ action: DetailAction, _ state: inout ExplorerState) -> [Effect] {
        let last = max(0, state.detail.count - 1)
        switch action {
        case .scrollDown: state.detailScroll = min(state.detailScroll + 1, last)
        case .scrollUp: state.detailScroll = max(0, state.detailScroll - 1)
        case .pageDown: state.detailScroll = min(state.detailScroll + 10, last)
        case .pageUp: state.detailScroll = max(0, state.detailScroll - 10)
        case .toggleDecoded: return toggleDecoded(&state) + reloadDetail(state)
        case .close: state.overlay = .none
        }
        return []
    }

    static func perform(_ action: LineageAction, _ state: inout ExplorerState) -> [Effect] {
        let last = max(0, state.lineage.count - 1)
        switch action {
        case .down: state.lineageSelected = min(state.lineageSelected + 1, last)
        case .up: state.lineageSelected = max(0, state.lineageSelected - 1)
        case .first: state.lineageSelected = 0
        case .last: state.lineageSelected = last
        case .jump:
            guard state.lineage.indices.contains(state.lineageSelected), let topic = state.currentTopic else { return [] }
            let row = state.lineage[state.lineageSelected]
            state.overlay = .none
            state.focus = .events
            state.follow = false
            return [.gotoOffset(topic: topic.name, partition: row.partition, offset: row.offset)]
        case .close: state.overlay = .none
        }
        return []
    }
}
