/// One lesson of the demo: a situation the demo stages, one thing the learner is asked to do, how
/// the explorer's state shows it was done, and what that meant, told with the numbers then on
/// screen. Lessons are data (see `LessonCatalog`): a teacher edits or translates the text there.
///
/// Text may name facts in braces, filled from the explorer's state: `{cursor}` now, `{from.cursor}`
/// when the lesson opened, and what the goal gathered on the way (`{peakLag}`, `{delayMs}`…);
/// `{keys:down}` names the keys bound to an action in the keymap, so the text follows the tables.
public struct Lesson: Hashable, Sendable {
    public var id: String
    public var name: String
    /// The demo scenarios it runs in (`bank`, `ratings`, `pipeline`…); empty: every one.
    public var scenarios: Set<String>
    /// What the demo stages when the lesson opens, and what `c` in the lesson box asks it to do.
    public var onOpen: LessonStage
    public var onAct: LessonStage
    /// Where the learner starts: the pane focused, and whether the cursor follows the live tail.
    public var pane: ExplorerState.Pane
    public var follow: Bool
    public var task: String
    public var goal: LessonGoal
    public var explanation: String

    public init(id: String, name: String, scenarios: Set<String> = [], onOpen: LessonStage = .none, onAct: LessonStage = .none,
                pane: ExplorerState.Pane, follow: Bool = false, task: String, goal: LessonGoal, explanation: String) {
        self.id = id
        self.name = name
        self.scenarios = scenarios
        self.onOpen = onOpen
        self.onAct = onAct
        self.pane = pane
        self.follow = follow
        self.task = task
        self.goal = goal
        self.explanation = explanation
    }
}

/// What the running demo does for a lesson (the explorer only asks; `rewind demo` does it and
/// answers with `Message.staged` facts).
public enum LessonStage: String, Hashable, Sendable, CaseIterable {
    case none
    /// Stop the pipeline's consumer group from reading; `resumeConsumer` lets it go on.
    case pauseConsumer, resumeConsumer
    /// Start the pipeline's consumer again as a new process would: no state but the log and its commit.
    case restartConsumer
    /// A withdrawal command through the bank's write side (validated against its own model).
    case withdraw
    /// A RateItem command through the ratings write side (validated before it becomes an event).
    case rateItem
    /// Deliver a recent event a second time, same `event-id` (at-least-once redelivery).
    case duplicate
    /// A topic of short retention and small segments that the demo keeps appending to and trimming.
    case retention
    /// A compacted copy of the demo's topic (the latest event of each key) as a topic of its own.
    case compactCopy
}

/// What in the explorer's state shows the learner did what the lesson asked (never a key alone:
/// the key must have had its effect on the screen).
public enum LessonGoal: Hashable, Sendable {
    /// The cursor is at least `events` offsets before where it was, in the same partition.
    case stepBack(events: Int)
    /// Another partition of the same topic is on screen, with its events loaded.
    case otherPartition
    /// The event under the cursor is at least `hours` older than the one the lesson opened on, and
    /// the view was folded as of it.
    case timeBack(hours: Int)
    /// A rebuild ran, its speed changed, it was paused and then advanced by single events.
    case replayStepped
    /// A view row's lineage was open and the cursor went to the event picked in it.
    case lineageJump
    /// The consumer group's lag grew by `growth` while paused, then fell below half its peak.
    case lagGrowsThenConverges(group: String, growth: Int64)
    /// The group's lag grew by `growth` while stopped; restarted, its committed position on screen
    /// reached where the restarted consumer committed.
    case resumedFromCommit(group: String, growth: Int64)
    /// The staged command's event is in the log and the view row shows its result.
    case commandFolded
    /// The view counted more duplicates than before the staged redelivery, which is in the log.
    case duplicateSkipped
    /// The topic `topic` is on screen and its first partition's log start offset moved.
    case logStartMoved(topic: String)
    /// The `table` and the `balances` view were both on screen, folded over the topic `topic`.
    case compactedViews(topic: String)
}
