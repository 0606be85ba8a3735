extension Explorer {
    static func perform(_ action: LessonAction, _ state: inout ExplorerState) -> [Effect] {
        switch action {
        case .next: return openLesson(state.lessons.index + 1, &state)
        case .back: return openLesson(max(0, state.lessons.index - 1), &state)
        case .close:
            state.lessons.isOpen = false
            return leaving(&state)
        case .act:
            guard let lesson = state.lessons.current, !state.lessons.currentIsDone else { return [] }
            // A restart with nothing piled up would show nothing: the lesson waits for the lag.
            if case let .resumedFromCommit(_, growth) = lesson.goal, let start = state.lessons.number("from.lag"),
               let peak = state.lessons.number("peakLag"), peak < start + growth {
                setStatus("let events pile up first: lag \(peak), the lesson waits for \(start + growth)", &state)
                return []
            }
            state.lessons.facts["actDuplicates"] = String(state.view.duplicates)
            if lesson.onAct == .resumeConsumer || lesson.onAct == .restartConsumer { state.lessons.facts["resumed"] = "yes" }
            return [.stage(lesson.onAct)]
        }
    }

    /// Opens the lessons at `index`, as `rewind demo` starts: the effects stage its situation.
    public static func startLessons(_ lessons: [Lesson], at index: Int, _ state: inout ExplorerState) -> [Effect] {
        state.lessons = LessonProgress(lessons: lessons)
        let effects = openLesson(index, &state)
        observeLesson(&state)
        return effects
    }

    /// `T`: opens the box again at the current lesson (restaging it), or closes it.
    static func toggleLessons(_ state: inout ExplorerState) -> [Effect] {
        guard !state.lessons.lessons.isEmpty else {
            setStatus("lessons run in `rewind demo` (they stage events in a live log)", &state)
            return []
        }
        if state.lessons.isOpen {
            state.lessons.isOpen = false
            return leaving(&state)
        }
        return openLesson(state.lessons.index, &state)
    }

    /// Opens lesson `index` (past the last one: closes the box) and stages its situation.
    static func openLesson(_ index: Int, _ state: inout ExplorerState) -> [Effect] {
        var effects = leaving(&state)
        guard state.lessons.lessons.indices.contains(index) else {
            state.lessons.isOpen = false
            setStatus("that was the last lesson: \(state.lessons.done.count) of \(state.lessons.lessons.count) done (T reopens them)", &state)
            return effects
        }
        let lesson = state.lessons.lessons[index]
        state.lessons.index = index
        state.lessons.isOpen = true
        state.lessons.facts = [:]
        state.lessons.explanation = nil
        state.lessons.done.remove(lesson.id)
        state.overlay = .none
        state.focus = lesson.pane
        // Partitions need a partitioned topic: the pipeline demo opens on its one-partition output.
        if lesson.goal == .otherPartition, (state.currentTopic?.partitions.count ?? 0) < 2,
           let index = state.topics.firstIndex(where: { $0.partitions.count > 1 }) {
            effects += selectPartition((index, 0), &state)
        }
        // A rebuild left paused by the replay lesson would keep the view from following the cursor.
        if case .rebuilding = state.view.mode, lesson.goal != .replayStepped {
            state.view.mode = .asOfCursor
            effects += syncView(state)
        }
        if lesson.follow, !state.follow, let partition = state.currentPartition {
            state.follow = true
            state.cursor = max(partition.startOffset, partition.endOffset - 1)
            effects += reloadEvents(state) + syncView(state)
        }
        if lesson.onOpen != .none { effects.append(.stage(lesson.onOpen)) }
        return effects
    }

    /// A lesson that paused something puts it back when the learner moves on without finishing.
    static func leaving(_ state: inout ExplorerState) -> [Effect] {
        guard let lesson = state.lessons.current, lesson.onOpen == .pauseConsumer, state.lessons.facts["resumed"] == nil else { return [] }
        state.lessons.facts["resumed"] = "yes"
        return [.stage(.resumeConsumer)]
    }

    /// After every message: the current lesson's starting point once there is one, then its goal.
    static func observeLesson(_ state: inout ExplorerState) {
        guard state.lessons.isOpen, let lesson = state.lessons.current, !state.lessons.currentIsDone else { return }
        var progress = state.lessons
        // A lesson that starts on the live tail starts where the tail is when the learner first acts.
        let following: Bool = if case .stepBack = lesson.goal { state.follow } else { false }
        if !progress.hasBaseline || following {
            // The tail's baseline needs only an event under the cursor: waiting for the view too
            // missed the last tail before the learner's first key whenever a live event had just
            // arrived and the view was catching up with it, and the lesson never saw the steps.
            guard following ? state.currentEvent != nil : LessonCheck.ready(state) else { return }
            for (name, value) in LessonCheck.facts(state) { progress.facts["from." + name] = value }
        }
        if let before = progress.facts["actDuplicates"] { progress.facts["from.duplicates"] = before }
        if LessonCheck.met(lesson.goal, &progress, state) {
            progress.facts.merge(LessonCheck.facts(state)) { $1 }
            progress.explanation = LessonCheck.fill(lesson.explanation, progress.facts)
            progress.done.insert(lesson.id)
        }
        state.lessons = progress
    }
}
