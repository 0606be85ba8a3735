/// The explorer's state machine: `update(&state, message) -> [Effect]`. Pure: no I/O, no clock.
public enum Explorer {
    public static let viewNames = ["balances", "ratings", "search", "table"]
    /// Ticks a changed view row stays highlighted (ticks are 100 ms).
    static let highlightTicks = 12

    public static func update(_ state: inout ExplorerState, _ message: Message) -> [Effect] {
        switch message {
        case let .key(key): return handle(key, &state)
        case let .resize(width, height):
            state.width = width
            state.height = height
            return reloadEvents(state)
        case .tick: return tick(&state)
        case let .topicsLoaded(topics, followers): return topicsLoaded(topics, followers, &state)
        case let .eventsLoaded(rows, cursor):
            state.events = rows
            state.cursor = cursor
            return []
        case let .timelineLoaded(buckets, start, end):
            state.timeline = buckets
            state.timelineStart = start
            state.timelineEnd = end
            // A scrub step of 1/40 of the span (at least a second) crosses the timeline in ~40 presses.
            state.scrubStepMs = max(1000, (end - start) / 40)
            return []
        case let .viewLoaded(columns, rows, changed, applied, duplicates, asOf, follower, finished, catchingUp):
            state.view.catchingUp = catchingUp
            state.view.columns = columns
            state.view.rows = rows
            for key in changed { state.view.changed[key] = state.tick }
            state.view.applied = applied
            state.view.duplicates = duplicates
            state.view.asOf = asOf
            state.view.follower = follower
            state.view.selected = min(state.view.selected, max(0, rows.count - 1))
            if finished, case .rebuilding = state.view.mode {
                state.view.mode = .asOfCursor
                state.status = "rebuild done: \(applied) events folded"
                return syncView(state)
            }
            return []
        case let .detailLoaded(lines):
            state.detail = lines
            state.detailScroll = 0
            state.overlay = .detail
            return []
        case let .lineageLoaded(key, rows):
            state.lineage = rows
            state.lineageKey = key
            state.lineageSelected = max(0, rows.count - 1)
            state.overlay = .lineage
            return []
        case let .cursorResolved(partitionIndex, offset, note):
            if let partitionIndex { state.partitionIndex = partitionIndex }
            state.cursor = offset
            if !note.isEmpty { setStatus(note, &state) }
            return reloadEvents(state) + syncView(state)
        case let .failed(text):
            setStatus(text, &state, error: true)
            return []
        }
    }

    // MARK: Keys

    static func handle(_ key: Key, _ state: inout ExplorerState) -> [Effect] {
        if state.prompt != nil { return promptKey(key, &state) }
        switch state.overlay {
        case .none: break
        case .help:
            switch key {
            case .character("j"), .down: state.detailScroll += 1
            case .character("k"), .up: state.detailScroll = max(0, state.detailScroll - 1)
            case .escape, .character("?"), .character("q"), .enter: state.overlay = .none
            default: break
            }
            return []
        case .detail:
            switch key {
            case .character("j"), .down: state.detailScroll = min(state.detailScroll + 1, max(0, state.detail.count - 1))
            case .character("k"), .up: state.detailScroll = max(0, state.detailScroll - 1)
            case .pageDown: state.detailScroll = min(state.detailScroll + 10, max(0, state.detail.count - 1))
            case .pageUp: state.detailScroll = max(0, state.detailScroll - 10)
            case .escape, .enter, .character("q"): state.overlay = .none
            case .character("d"): return toggleDecoded(&state) + reloadDetail(state)
            default: break
            }
            return []
        case .lineage:
            switch key {
            case .character("j"), .down: state.lineageSelected = min(state.lineageSelected + 1, max(0, state.lineage.count - 1))
            case .character("k"), .up: state.lineageSelected = max(0, state.lineageSelected - 1)
            case .character("g"), .home: state.lineageSelected = 0
            case .character("G"), .end: state.lineageSelected = max(0, state.lineage.count - 1)
            case .enter:
                guard state.lineage.indices.contains(state.lineageSelected), let topic = state.currentTopic else { return [] }
                let row = state.lineage[state.lineageSelected]
                state.overlay = .none
                state.focus = .events
                state.follow = false
                return [.gotoOffset(topic: topic.name, partition: row.partition, offset: row.offset)]
            case .escape, .character("q"), .character("l"): state.overlay = .none
            default: break
            }
            return []
        case .tour:
            switch key {
            case .character("n"), .character(" "), .enter, .right:
                if state.tourStep + 1 < Tour.steps.count {
                    state.tourStep += 1
                    state.focus = Tour.steps[state.tourStep].pane
                } else {
                    state.overlay = .none
                }
            case .character("p"), .left: state.tourStep = max(0, state.tourStep - 1)
            case .escape, .character("T"), .character("q"): state.overlay = .none
            default: break
            }
            return []
        }
        guard let action = Keymap.action(for: key) else { return [] }
        return perform(action, &state)
    }

    static func perform(_ action: Action, _ state: inout ExplorerState) -> [Effect] {
        switch action {
        case .quit:
            state.quitting = true
            return [.quit]
        case .help:
            state.overlay = .help
            state.detailScroll = 0
            return []
        case .tour:
            state.overlay = .tour
            state.tourStep = 0
            state.focus = Tour.steps[0].pane
            return []
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
        case .open:
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
                return perform(.lineage, &state)
            }
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
        case .lineage:
            guard state.view.rows.indices.contains(state.view.selected), let topic = state.currentTopic,
                  let partition = state.currentPartition else { return [] }
            let key = state.view.rows[state.view.selected].key
            return [.loadLineage(name: state.view.name, topic: topic.name, key: key, partition: partition.partition, offset: state.cursor)]
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

    // MARK: Prompts

    static func ask(_ kind: ExplorerState.PromptKind, _ state: inout ExplorerState) -> [Effect] {
        state.prompt = ExplorerState.Prompt(kind: kind, text: kind == .filter ? (state.filter ?? "") : "")
        return []
    }

    static func promptKey(_ key: Key, _ state: inout ExplorerState) -> [Effect] {
        guard var prompt = state.prompt else { return [] }
        switch key {
        case .escape:
            state.prompt = nil
            return []
        case .backspace:
            if !prompt.text.isEmpty { prompt.text.removeLast() }
            state.prompt = prompt
            return []
        case let .character(character):
            if prompt.text.count < 200 { prompt.text.append(character) }
            state.prompt = prompt
            return []
        case .enter:
            state.prompt = nil
            return submit(prompt, &state)
        default:
            return []
        }
    }

    static func submit(_ prompt: ExplorerState.Prompt, _ state: inout ExplorerState) -> [Effect] {
        guard let topic = state.currentTopic, let partition = state.currentPartition else { return [] }
        let text = prompt.text.trimmingCharacters(in: " ")
        switch prompt.kind {
        case .gotoOffset:
            guard let offset = Int64(text) else {
                setStatus("'\(text)' is not an offset", &state, error: true)
                return []
            }
            state.follow = false
            return [.gotoOffset(topic: topic.name, partition: partition.partition, offset: offset)]
        case .time:
            guard !text.isEmpty else { return [] }
            state.follow = false
            return [.seekTime(topic: topic.name, partition: partition.partition, expression: text)]
        case .search:
            guard !text.isEmpty else { return [] }
            state.search = text
            state.follow = false
            return [.search(topic: topic.name, partition: partition.partition, from: state.cursor + 1, query: text, forward: true)]
        case .filter:
            state.filter = text.isEmpty ? nil : text
            setStatus(text.isEmpty ? "filter cleared" : "showing events matching '\(text)' (Esc clears)", &state)
            return reloadEvents(state)
        }
    }

    // MARK: Data

    static func tick(_ state: inout ExplorerState) -> [Effect] {
        state.tick += 1
        state.view.changed = state.view.changed.filter { state.tick - $0.value < highlightTicks }
        var effects: [Effect] = []
        if case .rebuilding(paused: false) = state.view.mode { effects.append(.rebuildStep(events: state.view.eventsPerTick)) }
        if state.view.catchingUp, state.view.mode == .asOfCursor { effects.append(.continueViewSync) }
        if state.view.syncPending {
            state.view.syncPending = false
            effects += syncView(state)
        }
        // Background reads start on the tick after the first frame, so they never compete with it.
        if let topic = state.currentTopic, state.backgroundTopic != topic.name {
            state.backgroundTopic = topic.name
            effects.append(.focusBackground(topic: topic.name))
        }
        // Poll positions twice a second when live (new events, consumer lag) or while the topic's
        // partitions load in the background, every 2 s otherwise.
        let loading = state.currentTopic.map { $0.loadedPartitions < $0.partitions.count } ?? false
        if state.tick % (state.isLive || loading ? 5 : 20) == 0 { effects.append(.loadTopics) }
        return effects
    }

    static func topicsLoaded(_ topics: [ExplorerState.TopicEntry], _ followers: [ExplorerState.Follower], _ state: inout ExplorerState) -> [Effect] {
        let previousEnd = state.currentPartition?.endOffset
        let previousLoaded = state.currentTopic?.loadedPartitions
        let firstLoad = state.topics.isEmpty
        let previousName = state.currentTopic?.name
        state.topics = topics
        state.followers = followers
        if let name = previousName, let index = topics.firstIndex(where: { $0.name == name }) { state.topicIndex = index }
        state.topicIndex = min(state.topicIndex, max(0, topics.count - 1))
        state.partitionIndex = min(state.partitionIndex, max(0, (state.currentTopic?.partitions.count ?? 1) - 1))
        guard let topic = state.currentTopic, let partition = state.currentPartition else { return [] }
        if firstLoad {
            state.cursor = state.isLive ? max(partition.startOffset, partition.endOffset - 1) : partition.startOffset
            state.follow = state.isLive
            state.view.syncPending = true
            return reloadEvents(state) + [.loadTimeline(topic: topic.name, buckets: max(1, state.width))]
        }
        // Partitions loaded in the background add their events to the topic's timeline.
        let timeline: [Effect] = topic.loadedPartitions != previousLoaded ? [.loadTimeline(topic: topic.name, buckets: max(1, state.width))] : []
        guard partition.endOffset != previousEnd else { return timeline }
        var effects: [Effect] = [.loadTimeline(topic: topic.name, buckets: max(1, state.width))]
        if state.follow {
            state.cursor = max(partition.startOffset, partition.endOffset - 1)
            effects += syncView(state)
        }
        return effects + reloadEvents(state)
    }

    /// Flips between decoded values (Avro, Protobuf through the topic's schemas) and the bytes as
    /// stored; the event list reloads in the new form.
    static func toggleDecoded(_ state: inout ExplorerState) -> [Effect] {
        state.rawValues.toggle()
        setStatus(state.rawValues ? "values as stored (d: decoded)" : "values decoded (d: as stored)", &state)
        return [.setRawValues(state.rawValues)] + reloadEvents(state)
    }

    static func reloadDetail(_ state: ExplorerState) -> [Effect] {
        guard let topic = state.currentTopic, let partition = state.currentPartition, state.currentEvent != nil else { return [] }
        return [.loadDetail(topic: topic.name, partition: partition.partition, offset: state.cursor)]
    }

    static func reloadEvents(_ state: ExplorerState) -> [Effect] {
        guard let topic = state.currentTopic, let partition = state.currentPartition else { return [] }
        return [.loadEvents(topic: topic.name, partition: partition.partition, around: state.cursor, count: state.eventsPageSize, filter: state.filter)]
    }

    static func syncView(_ state: ExplorerState) -> [Effect] {
        guard state.view.mode == .asOfCursor, let topic = state.currentTopic, let partition = state.currentPartition,
              partition.endOffset > partition.startOffset else { return [] }
        return [.syncView(name: state.view.name, topic: topic.name, partition: partition.partition, offset: state.cursor)]
    }

    static func setStatus(_ text: String, _ state: inout ExplorerState, error: Bool = false) {
        state.status = text
        state.statusIsError = error
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
