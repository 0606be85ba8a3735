/// The demo's lessons, in an order that builds: each uses what the ones before taught. This table
/// is the place to edit or translate them (see `Lesson` for the `{fact}` and `{keys:action}` names).
public enum LessonCatalog {
    public static let all: [Lesson] = [
        Lesson(id: "offsets", name: "Offsets", pane: .events, follow: true,
               task: "Every event has an offset: its position in its partition. Step back three events with {keys:up}.",
               goal: .stepBack(events: 3),
               explanation: "You stepped from offset {from.cursor} back to {cursor} in {topic}-{partition}. Those events are still there and keep those offsets forever; {behind} newer events follow yours, up to the end {end}."),
        Lesson(id: "partitions", name: "Partitions and keys", pane: .topics,
               task: "A topic is split into partitions. In the topics pane ({keys:nextPane} gets there) pick another partition with {keys:down}.",
               goal: .otherPartition,
               explanation: "You moved from {topic}-{from.partition} ({from.count} events) to {topic}-{partition} ({count} events). The event under the cursor has key {key}: every event of {key} lands in p{partition}, so their order is kept; across partitions there is no order."),
        Lesson(id: "time-travel", name: "Time travel", pane: .events,
               task: "Jump a day back: press {keys:jumpToTime}, type -1d and Enter. Watch the view pane.",
               goal: .timeBack(hours: 20),
               explanation: "You jumped from offset {from.cursor} ({from.time}) back to {cursor} ({time}). The view is now as of that event: {from.rowKey}'s {column} went from {from.rowValue} to {rowNow}, because the {viewLag} events after it are not folded."),
        Lesson(id: "replay", name: "Replay", pane: .view,
               task: "A view is a fold of the events. Press {keys:rebuild} to rebuild it from offset 0, {keys:faster} to speed it up, {keys:pause} to pause, then {keys:stepOne} to apply one event.",
               goal: .replayStepped,
               explanation: "The view was rebuilt from offset 0 at {speed} events/s; paused at {pausedAt} events, your single steps took it to {applied}. Replaying the same events always gives the same view."),
        Lesson(id: "lineage", name: "As-of and lineage", pane: .view,
               task: "Which events made a row? In the view pane press {keys:lineage} on a row, pick an event with {keys:down}, then Enter to go to it.",
               goal: .lineageJump,
               explanation: "{lineageCount} events changed {lineageKey}; you went to p{partition}@{cursor}, where it went from {lineageBefore} to {lineageAfter}. The view is now as of that event: {lineageKey} shows {rowOfLineage}."),
        Lesson(id: "consumer-lag", name: "Consumer lag", scenarios: ["bank", "pipeline"], onOpen: .pauseConsumer, onAct: .resumeConsumer, pane: .topics, follow: true,
               task: "The lesson paused the fraud pipeline's consumer group pipeline.flagger: watch its lag grow in Consumers & views, then press c to resume it.",
               goal: .lagGrowsThenConverges(group: "pipeline.flagger", growth: 8),
               explanation: "Paused, pipeline.flagger fell behind: lag {from.lag} → {peakLag} events. Resumed, it read on from its committed offset and caught up: lag {lag}. Consumers are replicas of the log that converge."),
        Lesson(id: "cqrs", name: "CQRS and eventual consistency", scenarios: ["bank"], onAct: .withdraw, pane: .view, follow: true,
               task: "Press c: the lesson sends a withdrawal of {amount} from account {account} to the write side. Watch the event land and the view catch up.",
               goal: .commandFolded,
               explanation: "The write side checked {account}'s balance ({balanceBefore}) against the withdrawal and accepted it as event p{commandPartition}@{commandOffset}; it landed after {landedMs} ms and the view showed {account} at {balanceAfter} after {delayMs} ms. Until then a query would have read the old balance: eventual consistency."),
        Lesson(id: "duplicates", name: "Duplicates and idempotency", onAct: .duplicate, pane: .view, follow: true,
               task: "Press c: the lesson delivers a recent event a second time with the same event-id, as an at-least-once producer does after a timeout.",
               goal: .duplicateSkipped,
               explanation: "Event-id {eventID} arrived at p{duplicatePartition}@{originalOffset} and again at p{duplicatePartition}@{duplicateOffset}. The view folded it once and skipped the copy: duplicates {from.duplicates} → {duplicates}."),
        Lesson(id: "retention", name: "Retention", onOpen: .retention, pane: .topics,
               task: "The lesson made a topic 'clicks' that keeps events only a few seconds. Select it in the topics pane ({keys:down}) and watch its partition's first offset.",
               goal: .logStartMoved(topic: "clicks"),
               explanation: "clicks keeps {retention}: its oldest segment was deleted while you watched and the log start moved from {startSeen} to {start}. Offsets below {start} are gone; none is reused: the end is {end}."),
    ]

    /// The lessons of one scenario, in order.
    public static func lessons(for scenario: String) -> [Lesson] {
        all.filter { $0.scenarios.isEmpty || $0.scenarios.contains(scenario) }
    }
}
