/// The explorer's state machine: `update(&state, message) -> [Effect]`. Pure: no I/O, no clock.
public enum Explorer {
    public static let viewNames = ["balances", "ratings", "search", "table"]
    /// Ticks a changed view row stays highlighted (ticks are 100 ms).
    static let highlightTicks = 12

    public static func update(_ state: inout ExplorerState, _ message: Message) -> [Effect] {
        let effects = apply(message, &state)
        observeLesson(&state)
        return effects
    }

    static func apply(_ message: Message, _ state: inout ExplorerState) -> [Effect] {
        switch message {
        case let .key(key): return handle(key, &state)
        case let .resize(width, height):
            state.width = width
            state.height = height
            return reloadEvents(state)
        case .tick: return tick(&state)
        case .idle: return state.hasBackgroundWork ? [.continueViewSync] : []
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
        case let .staged(facts):
            state.lessons.facts.merge(facts) { $1 }
            return []
        }
    }


    // MARK: Keys

    /// Routes a key to the mode it belongs to: a prompt takes every key, an overlay its own table;
    /// otherwise the lesson box's keys come first, then the panes', then the view pane's.
    static func handle(_ key: Key, _ state: inout ExplorerState) -> [Effect] {
        if state.prompt != nil { return promptKey(key, &state) }
        switch state.overlay {
        case .none: break
        case .help: return Keymap.help.action(for: key).map { perform($0, &state) } ?? []
        case .detail: return Keymap.detail.action(for: key).map { perform($0, &state) } ?? []
        case .lineage: return Keymap.lineage.action(for: key).map { perform($0, &state) } ?? []
        }
        if state.lessons.isOpen, let action = Keymap.lesson.action(for: key), action != .act || state.lessons.current?.onAct != LessonStage.none {
            return perform(action, &state)
        }
        if let action = Keymap.panes.action(for: key) { return perform(action, &state) }
        if let action = Keymap.views.action(for: key) { return perform(action, &state) }
        return []
    }

    // MARK: Data

    static func tick(_ state: inout ExplorerState) -> [Effect] {
        state.tick += 1
        state.view.changed = state.view.changed.filter { state.tick - $0.value < highlightTicks }
        var effects: [Effect] = []
        if case .rebuilding(paused: false) = state.view.mode { effects.append(.rebuildStep(events: state.view.eventsPerTick)) }
        if state.hasBackgroundWork { effects.append(.continueViewSync) }
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
