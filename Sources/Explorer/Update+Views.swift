extension Explorer {
    static func perform(_ action: ViewAction, _ state: inout ExplorerState) -> [Effect] {
        switch action {
        case .rebuild:
            guard let topic = state.currentTopic else { return [] }
            state.view.mode = .rebuilding(paused: false)
            // About 15 s for the whole topic at 10 ticks a second; + and - adjust.
            state.view.eventsPerTick = max(1, Int(topic.events / 150))
            state.view.changed = [:]
            setStatus("rebuilding \(state.view.name) from offset 0 — +/- speed, space pause, . one event", &state)
            return [.startRebuild(name: state.view.name, topic: topic.name)]
        case .faster:
            state.view.eventsPerTick = min(1_000_000, state.view.eventsPerTick * 2)
            setStatus("rebuild speed: \(state.view.eventsPerTick * 10) events/s", &state)
            return []
        case .slower:
            state.view.eventsPerTick = max(1, state.view.eventsPerTick / 2)
            setStatus("rebuild speed: \(state.view.eventsPerTick * 10) events/s", &state)
            return []
        case .pause:
            guard case let .rebuilding(paused) = state.view.mode else { return [] }
            state.view.mode = .rebuilding(paused: !paused)
            setStatus(paused ? "rebuild resumed" : "rebuild paused — . applies one event", &state)
            return []
        case .stepOne:
            if case .rebuilding = state.view.mode {
                state.view.mode = .rebuilding(paused: true)
                return [.rebuildStep(events: 1)]
            }
            guard let topic = state.currentTopic else { return [] }
            state.view.mode = .rebuilding(paused: true)
            state.view.changed = [:]
            setStatus("stepping \(state.view.name) from offset 0 — . applies one event, space runs", &state)
            return [.startRebuild(name: state.view.name, topic: topic.name), .rebuildStep(events: 1)]
        case .nextView:
            let index = viewNames.firstIndex(of: state.view.name) ?? -1
            state.view.name = viewNames[(index + 1) % viewNames.count]
            state.view.selected = 0
            state.view.changed = [:]
            state.view.mode = .asOfCursor
            return syncView(state)
        case .mark:
            // The mark is the rows the pane shows now; later positions are compared with it in render.
            if state.view.mark != nil {
                state.view.mark = nil
                setStatus("mark cleared", &state)
            } else {
                state.view.mark = ViewMark(asOf: state.view.asOf, columns: state.view.columns, rows: state.view.rows)
                setStatus("marked \(state.view.asOf.isEmpty ? "here" : state.view.asOf): rows changed since show +new, Δchanged with deltas; m clears", &state)
            }
            return []
        case .lineage:
            guard state.view.rows.indices.contains(state.view.selected), let topic = state.currentTopic,
                  let partition = state.currentPartition else { return [] }
            let key = state.view.rows[state.view.selected].key
            return [.loadLineage(name: state.view.name, topic: topic.name, key: key, partition: partition.partition, offset: state.cursor)]
        }
    }
}
