extension Explorer {
    static func perform(_ action: PaneAction, _ state: inout ExplorerState) -> [Effect] {
        switch action {
        case .quit:
            state.quitting = true
            return [.quit]
        case .help:
            state.overlay = .help
            state.detailScroll = 0
            return []
        case .lessons: return openTour(&state)
        case .nextPane:
            state.focus = ExplorerState.Pane(rawValue: (state.focus.rawValue + 1) % ExplorerState.Pane.allCases.count)!
            return []
        case .previousPane:
            let count = ExplorerState.Pane.allCases.count
            state.focus = ExplorerState.Pane(rawValue: (state.focus.rawValue + count - 1) % count)!
            return []
        case .down: return move(1, &state)
        case .up: return move(-1, &state)
        case .pageDown: return move(state.eventsPageSize, &state)
        case .pageUp: return move(-state.eventsPageSize, &state)
        case .first: return moveTo(first: true, &state)
        case .last: return moveTo(first: false, &state)
        case .gotoOffset: return ask(.gotoOffset, &state)
        case .jumpToTime: return ask(.time, &state)
        case .search: return ask(.search, &state)
        case .filter: return ask(.filter, &state)
        case .open: return open(&state)
        case .back:
            if state.filter != nil {
                state.filter = nil
                setStatus("filter cleared", &state)
                return reloadEvents(state)
            }
            return []
        case .scrubBack, .scrubForward:
            guard let topic = state.currentTopic, let partition = state.currentPartition else { return [] }
            state.follow = false
            let delta = action == .scrubBack ? -state.scrubStepMs : state.scrubStepMs
            return [.scrub(topic: topic.name, partition: partition.partition, from: state.cursor, deltaMs: delta)]
        case .toggleFollow:
            state.follow.toggle()
            setStatus(state.follow ? "following the live tail" : "follow off", &state)
            return state.follow ? moveTo(first: false, &state) : []
        case .toggleDecoded: return toggleDecoded(&state)
        case .nextMatch, .previousMatch:
            guard let query = state.search, let topic = state.currentTopic, let partition = state.currentPartition else {
                setStatus("no search yet: press /", &state)
                return []
            }
            let forward = action == .nextMatch
            state.follow = false
            return [.search(topic: topic.name, partition: partition.partition, from: state.cursor + (forward ? 1 : -1), query: query, forward: forward)]
        }
    }

    /// Enter: expands a collapsed topic or moves to its events, opens an event's detail, or a view
    /// row's lineage.
    static func open(_ state: inout ExplorerState) -> [Effect] {
        switch state.focus {
        case .topics:
            if let topic = state.currentTopic, state.isCollapsed(topic) {
                state.expandedTopics.insert(topic.name)
                return []
            }
            state.focus = .events
            return []
        case .events:
            guard let topic = state.currentTopic, let partition = state.currentPartition, state.currentEvent != nil else { return [] }
            return [.loadDetail(topic: topic.name, partition: partition.partition, offset: state.cursor)]
        case .view:
            return perform(ViewAction.lineage, &state)
        }
    }

    // MARK: Moving

    static func move(_ delta: Int, _ state: inout ExplorerState) -> [Effect] {
        switch state.focus {
        case .topics:
            let entries = partitionEntries(state)
            guard let current = entries.firstIndex(where: { $0 == (state.topicIndex, state.partitionIndex) }) else { return [] }
            let target = min(max(0, current + delta), entries.count - 1)
            return selectPartition(entries[target], &state)
        case .view:
            state.view.selected = min(max(0, state.view.selected + delta), max(0, state.view.rows.count - 1))
            return []
        case .events:
            guard let partition = state.currentPartition, partition.endOffset > partition.startOffset else { return [] }
            state.follow = false
            if let index = state.events.firstIndex(where: { $0.offset == state.cursor }), state.events.indices.contains(index + delta) {
                state.cursor = state.events[index + delta].offset
            } else {
                state.cursor = min(max(partition.startOffset, state.cursor + Int64(delta)), partition.endOffset - 1)
            }
            return reloadEvents(state) + syncView(state)
        }
    }

    static func moveTo(first: Bool, _ state: inout ExplorerState) -> [Effect] {
        switch state.focus {
        case .view:
            state.view.selected = first ? 0 : max(0, state.view.rows.count - 1)
            return []
        case .topics:
            let entries = partitionEntries(state)
            guard let target = first ? entries.first : entries.last else { return [] }
            return selectPartition(target, &state)
        case .events:
            guard let partition = state.currentPartition, partition.endOffset > partition.startOffset else { return [] }
            if first { state.follow = false }
            state.cursor = first ? partition.startOffset : partition.endOffset - 1
            return reloadEvents(state) + syncView(state)
        }
    }

    /// What j/k step through in the topics pane: every partition of an expanded topic, one entry
    /// for a collapsed one (its current partition, else its first).
    static func partitionEntries(_ state: ExplorerState) -> [(Int, Int)] {
        state.topics.enumerated().flatMap { topicIndex, topic -> [(Int, Int)] in
            guard state.isCollapsed(topic) else { return topic.partitions.indices.map { (topicIndex, $0) } }
            guard !topic.partitions.isEmpty else { return [] }
            return [(topicIndex, topicIndex == state.topicIndex ? state.partitionIndex : 0)]
        }
    }

    static func selectPartition(_ entry: (Int, Int), _ state: inout ExplorerState) -> [Effect] {
        let topicChanged = entry.0 != state.topicIndex
        state.topicIndex = entry.0
        state.partitionIndex = entry.1
        guard let topic = state.currentTopic, let partition = state.currentPartition else { return [] }
        state.cursor = state.follow || state.isLive ? max(partition.startOffset, partition.endOffset - 1) : partition.startOffset
        var effects = reloadEvents(state) + syncView(state)
        if topicChanged { effects.append(.loadTimeline(topic: topic.name, buckets: max(1, state.width))) }
        return effects
    }
}
