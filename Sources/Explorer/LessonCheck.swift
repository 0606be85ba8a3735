import Projections

/// Decides from the explorer's state whether the current lesson's goal is met, gathering the facts
/// its explanation names on the way. Pure: the state in, marks and a verdict out.
enum LessonCheck {
    /// The numbers a lesson's text may name, as they are on screen now.
    static func facts(_ state: ExplorerState) -> [String: String] {
        var facts: [String: String] = ["cursor": String(state.cursor), "view": state.view.name,
                                       "applied": String(state.view.applied), "duplicates": String(state.view.duplicates),
                                       "viewLag": String(state.view.follower.lag), "speed": String(state.view.eventsPerTick * 10)]
        if let topic = state.currentTopic, let partition = state.currentPartition {
            facts["topic"] = topic.name
            facts["retention"] = topic.retention
            facts["partition"] = String(partition.partition)
            facts["start"] = String(partition.startOffset)
            facts["end"] = String(partition.endOffset)
            facts["count"] = String(partition.endOffset - partition.startOffset)
            facts["behind"] = String(max(0, partition.endOffset - 1 - state.cursor))
        }
        if let event = state.currentEvent {
            facts["time"] = Explorer.shortTime(event.timestamp)
            facts["timeMs"] = String(event.timestamp)
            facts["key"] = event.key
        }
        if state.view.columns.count > 1 { facts["column"] = state.view.columns[1] }
        if state.view.rows.indices.contains(state.view.selected) {
            let row = state.view.rows[state.view.selected]
            facts["rowKey"] = row.key
            facts["rowValue"] = row.values.first?.description ?? "-"
        }
        return facts
    }

    /// True when the state can serve as the lesson's starting point: an event and the view are on screen.
    static func ready(_ state: ExplorerState) -> Bool {
        state.currentEvent != nil && !state.view.rows.isEmpty && !state.view.catchingUp
    }

    static func value(of key: String, _ state: ExplorerState) -> String? {
        state.view.rows.first { $0.key == key }?.values.first?.description
    }

    /// Checks `goal`, leaving marks in `progress.facts`; true once it is met.
    static func met(_ goal: LessonGoal, _ progress: inout LessonProgress, _ state: ExplorerState) -> Bool {
        let now = facts(state)
        switch goal {
        case let .stepBack(events):
            guard let from = progress.number("from.cursor"), progress.facts["from.partition"] == now["partition"] else { return false }
            return from - state.cursor >= Int64(events) && state.currentEvent != nil
        case .otherPartition:
            return now["topic"] == progress.facts["from.topic"] && now["partition"] != progress.facts["from.partition"] && state.currentEvent != nil
        case let .timeBack(hours):
            guard let from = progress.number("from.timeMs"), let time = now["timeMs"].flatMap({ Int64($0) }) else { return false }
            let folded = state.view.mode == .asOfCursor && !state.view.catchingUp && state.view.asOf.contains("@\(state.cursor) ")
            // `-1d` is a day before the wall clock, not before the cursor: at night the seeded
            // history ends hours before now (its traffic follows the day), so a cursor on its last
            // event is less than a day after the jump's target.
            let reference = max(from, state.clockMs)
            guard reference - time >= Int64(hours) * 3_600_000, from > time, folded else { return false }
            progress.facts["rowNow"] = progress.facts["from.rowKey"].flatMap { value(of: $0, state) } ?? "nothing (not there yet)"
            return true
        case .replayStepped:
            switch state.view.mode {
            case .rebuilding(paused: false):
                progress.facts["ran"] = progress.facts["ran"] ?? String(state.view.eventsPerTick)
                if let ran = progress.facts["ran"], ran != String(state.view.eventsPerTick) { progress.facts["speedChanged"] = "yes" }
                return false
            case .rebuilding(paused: true):
                if progress.facts["ran"] != nil, let ran = progress.facts["ran"], ran != String(state.view.eventsPerTick) { progress.facts["speedChanged"] = "yes" }
                guard progress.facts["ran"] != nil, progress.facts["speedChanged"] != nil else { return false }
                guard let pausedAt = progress.number("pausedAt") else {
                    progress.facts["pausedAt"] = String(state.view.applied)
                    return false
                }
                return state.view.applied > pausedAt
            case .asOfCursor:
                // A rebuild that finished before it was paused: `.` starts a stepping one from 0.
                progress.facts["pausedAt"] = nil
                return false
            }
        case .lineageJump:
            if state.overlay == .lineage, state.lineage.indices.contains(state.lineageSelected) {
                let row = state.lineage[state.lineageSelected]
                progress.facts["lineageKey"] = state.lineageKey
                progress.facts["lineageCount"] = String(state.lineage.count)
                progress.facts["lineagePartition"] = String(row.partition)
                progress.facts["lineageOffset"] = String(row.offset)
                progress.facts["lineageBefore"] = row.before
                progress.facts["lineageAfter"] = row.after
                return false
            }
            guard state.overlay == .none, let offset = progress.facts["lineageOffset"], offset == now["cursor"],
                  progress.facts["lineagePartition"] == now["partition"], state.view.asOf.contains("@\(offset) "), !state.view.catchingUp,
                  let key = progress.facts["lineageKey"] else { return false }
            progress.facts["rowOfLineage"] = value(of: key, state) ?? "-"
            return true
        case let .lagGrowsThenConverges(group, growth):
            guard let follower = follower(group, state), let peak = trackLag(follower, &progress) else { return false }
            guard progress.facts["resumed"] != nil, let start = progress.number("from.lag"), peak >= start + growth else { return false }
            return follower.lag * 2 < peak
        case let .resumedFromCommit(group, growth):
            guard let follower = follower(group, state), let peak = trackLag(follower, &progress) else { return false }
            guard let committed = progress.number("committedAfter"), let start = progress.number("from.lag"), peak >= start + growth else { return false }
            progress.facts["positionSeen"] = String(follower.position)
            return follower.position >= committed
        case .commandFolded:
            guard let key = progress.facts["commandKey"], let partition = progress.facts["commandPartition"].flatMap({ Int32($0) }),
                  let offset = progress.number("commandOffset"), let accepted = progress.number("acceptedMs") else { return false }
            let landed = state.currentTopic?.partitions.first { $0.partition == partition }.map { $0.endOffset > offset } ?? false
            if landed, progress.facts["landedMs"] == nil { progress.facts["landedMs"] = String(max(0, state.clockMs - accepted)) }
            guard landed, !state.view.catchingUp, let expected = progress.facts["commandExpected"], value(of: key, state) == expected else { return false }
            progress.facts["delayMs"] = String(max(0, state.clockMs - accepted))
            return true
        case .duplicateSkipped:
            guard let partition = progress.facts["duplicatePartition"].flatMap({ Int32($0) }), let offset = progress.number("duplicateOffset"),
                  let before = progress.number("from.duplicates") else { return false }
            let landed = state.currentTopic?.partitions.first { $0.partition == partition }.map { $0.endOffset > offset } ?? false
            return landed && state.view.duplicates > before && state.view.mode == .asOfCursor && !state.view.catchingUp
        case let .logStartMoved(topic):
            guard state.currentTopic?.name == topic, let start = state.currentTopic?.partitions.first?.startOffset else { return false }
            guard let seen = progress.number("startSeen") else {
                progress.facts["startSeen"] = String(start)
                return false
            }
            return start > seen
        case let .compactedViews(topic):
            // The rows must be the named view's, folded over the copy as of its newest event (so
            // every kept event is in the fold), not what the pane showed before the switch.
            guard state.currentTopic?.name == topic, let key = progress.facts["compactKey"], now["partition"] == progress.facts["newestPartition"],
                  state.view.mode == .asOfCursor, !state.view.catchingUp, !state.view.rows.isEmpty,
                  state.view.follower.name == "view \(state.view.name) → \(topic)" else { return false }
            switch state.view.name {
            case "table": progress.facts["tableRows"] = String(state.view.rows.count)
            case "balances": progress.facts["compactedBalance"] = value(of: key, state) ?? "nothing"
            default: break
            }
            return progress.facts["tableRows"] != nil && progress.facts["compactedBalance"] != nil
        }
    }

    static func follower(_ group: String, _ state: ExplorerState) -> ExplorerState.Follower? {
        state.followers.first { $0.name == group || $0.name.hasPrefix(group + " ") }
    }

    /// Marks the group's lag when the lesson opened, now and at its peak; returns the peak.
    static func trackLag(_ follower: ExplorerState.Follower, _ progress: inout LessonProgress) -> Int64? {
        if progress.facts["from.lag"] == nil { progress.facts["from.lag"] = String(follower.lag) }
        progress.facts["lag"] = String(follower.lag)
        let peak = max(progress.number("peakLag") ?? 0, follower.lag)
        progress.facts["peakLag"] = String(peak)
        return peak
    }

    /// The text with its `{fact}` and `{keys:action}` names filled in.
    static func fill(_ template: String, _ facts: [String: String]) -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            result += name.hasPrefix("keys:") ? keysLabel(String(name.dropFirst(5))) : (facts[name] ?? "?")
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// The keys bound to an action in any mode's table, by the action's name ("rebuild" → "r").
    static func keysLabel(_ action: String) -> String {
        if let found = PaneAction(rawValue: action) { return Keymap.panes.keysLabel(found) }
        if let found = ViewAction(rawValue: action) { return Keymap.views.keysLabel(found) }
        if let found = LessonAction(rawValue: action) { return Keymap.lesson.keysLabel(found) }
        return action
    }
}
