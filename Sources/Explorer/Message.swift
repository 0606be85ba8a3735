import EventLog
import Projections

/// Everything that can happen to the explorer: keys, time, and results of work the session did.
public enum Message: Hashable, Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    case tick
    /// No input is waiting: background work (a view catching up after a far jump) may take one
    /// short slice. The runner sends it between keys, so catching up runs at fold speed while a
    /// key never waits for more than a slice.
    case idle
    case topicsLoaded([ExplorerState.TopicEntry], followers: [ExplorerState.Follower])
    case eventsLoaded(rows: [ExplorerState.EventRow], cursor: Int64)
    case timelineLoaded(buckets: [Int], start: Int64, end: Int64)
    case viewLoaded(columns: [String], rows: [ViewRow], changed: [String], applied: Int64, duplicates: Int64, asOf: String,
                    follower: ExplorerState.Follower, finishedRebuild: Bool, catchingUp: Bool = false)
    case detailLoaded([String])
    case lineageLoaded(key: String, rows: [ExplorerState.LineageRow])
    case cursorResolved(partitionIndex: Int?, offset: Int64, note: String)
    case failed(String)
    /// What the demo did for a lesson's `stage` effect: facts its text and goal use.
    case staged([String: String])
}

/// Work `update` asks the session to do; results come back as messages.
public enum Effect: Hashable, Sendable {
    case loadTopics
    case loadEvents(topic: String, partition: Int32, around: Int64, count: Int, filter: String?)
    case loadTimeline(topic: String, buckets: Int)
    case seekTime(topic: String, partition: Int32, expression: String)
    case scrub(topic: String, partition: Int32, from: Int64, deltaMs: Int64)
    case gotoOffset(topic: String, partition: Int32, offset: Int64)
    case search(topic: String, partition: Int32, from: Int64, query: String, forward: Bool)
    case loadDetail(topic: String, partition: Int32, offset: Int64)
    case syncView(name: String, topic: String, partition: Int32, offset: Int64)
    case startRebuild(name: String, topic: String)
    case rebuildStep(events: Int)
    /// Folds the next slice towards the target of the last `syncView` (see `catchingUp`).
    case continueViewSync
    case loadLineage(name: String, topic: String, key: String, partition: Int32, offset: Int64)
    /// Background work for `topic` from now on (its partitions not loaded yet, then its integrity
    /// checks); work for any other topic stops.
    case focusBackground(topic: String)
    /// Show values as stored (true) or decoded (false) from now on.
    case setRawValues(Bool)
    /// Asks the running demo to stage a lesson's situation (`rewind demo` does it; elsewhere nothing).
    case stage(LessonStage)
    case quit
}
