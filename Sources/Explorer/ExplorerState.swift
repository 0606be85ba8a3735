import EventLog
import Projections

/// The whole explorer model: a value, changed only by `Explorer.update`, drawn only by
/// `Explorer.render`. Data the panes show arrives as messages from the session (the world).
public struct ExplorerState: Hashable, Sendable {
    public enum Pane: Int, Hashable, Sendable, CaseIterable { case topics, events, view }
    public enum Overlay: Hashable, Sendable { case none, help, detail, lineage }
    public enum PromptKind: Hashable, Sendable { case gotoOffset, time, search, filter }

    public struct Prompt: Hashable, Sendable {
        public var kind: PromptKind
        public var text: String
        public var label: String {
            switch kind {
            case .gotoOffset: return "go to offset: "
            case .time: return "jump to time (ISO-8601, -15m, yesterday 14:00): "
            case .search: return "search (key, text or field=value): "
            case .filter: return "filter (key, text or field=value; empty clears): "
            }
        }
    }

    /// What `verify` last said of a partition: its hash chain and CRCs (the integrity badge).
    public enum Integrity: Hashable, Sendable {
        case notChecked, checking
        /// Every batch's CRC and chain link checked out.
        case verified
        /// CRCs check out; the partition has no `.chain` files (a Kafka capture).
        case unchained
        /// The first offset whose batch is damaged or differs from what was chained.
        case broken(offset: Int64)
        /// The check could not read the partition (permission, I/O error): says nothing of the data.
        case unreadable(reason: String)
    }

    public struct PartitionEntry: Hashable, Sendable {
        public var partition: Int32
        public var startOffset: Int64
        public var endOffset: Int64
        public var bytes: Int64
        public var firstTimestamp: Int64?
        public var lastTimestamp: Int64?
        public var integrity: Integrity
        /// False until the partition's segments were read (its end offset, size and times are then
        /// unknown): topics with many partitions load them after the first frame.
        public var isLoaded: Bool
        public init(partition: Int32, startOffset: Int64, endOffset: Int64, bytes: Int64, firstTimestamp: Int64?, lastTimestamp: Int64?,
                    integrity: Integrity = .notChecked, isLoaded: Bool = true) {
            self.isLoaded = isLoaded
            self.partition = partition
            self.startOffset = startOffset
            self.endOffset = endOffset
            self.bytes = bytes
            self.firstTimestamp = firstTimestamp
            self.lastTimestamp = lastTimestamp
            self.integrity = integrity
        }
    }

    public struct TopicEntry: Hashable, Sendable {
        public var name: String
        public var retention: String
        public var partitions: [PartitionEntry]
        public init(name: String, retention: String, partitions: [PartitionEntry]) {
            self.name = name
            self.retention = retention
            self.partitions = partitions
        }
        public var events: Int64 { partitions.reduce(0) { $0 + $1.endOffset - $1.startOffset } }
        public var loadedPartitions: Int { partitions.reduce(0) { $0 + ($1.isLoaded ? 1 : 0) } }
    }

    /// A topic with more partitions than this shows as one summary line in the topics pane until
    /// Enter expands it: a broker's 50-partition topic would push every other topic off screen.
    public static let partitionsShownMax = 8

    /// A consumer group or a view, as a position against the log end: the lag "zipper".
    public struct Follower: Hashable, Sendable {
        public var name: String
        public var position: Int64
        public var end: Int64
        public init(name: String, position: Int64, end: Int64) {
            self.name = name
            self.position = position
            self.end = end
        }
        public var lag: Int64 { max(0, end - position) }
    }

    public struct EventRow: Hashable, Sendable {
        public var partition: Int32
        public var offset: Int64
        public var timestamp: Int64
        public var key: String
        public var preview: String
        public var isControl: Bool
        public init(partition: Int32, offset: Int64, timestamp: Int64, key: String, preview: String, isControl: Bool = false) {
            self.partition = partition
            self.offset = offset
            self.timestamp = timestamp
            self.key = key
            self.preview = preview
            self.isControl = isControl
        }
    }

    public struct LineageRow: Hashable, Sendable {
        public var partition: Int32
        public var offset: Int64
        public var timestamp: Int64
        public var before: String
        public var after: String
        public var delta: String
        public var summary: String
        public var duplicate: Bool
        public init(partition: Int32, offset: Int64, timestamp: Int64, before: String, after: String, delta: String, summary: String, duplicate: Bool) {
            self.partition = partition
            self.offset = offset
            self.timestamp = timestamp
            self.before = before
            self.after = after
            self.delta = delta
            self.summary = summary
            self.duplicate = duplicate
        }
    }

    public enum ViewMode: Hashable, Sendable {
        /// The view shows the state as of the event under the cursor.
        case asOfCursor
        /// Rebuilding from offset 0 on screen, `eventsPerTick` at a time.
        case rebuilding(paused: Bool)
    }

    public struct ViewPane: Hashable, Sendable {
        public var name: String = "balances"
        public var columns: [String] = []
        public var rows: [ViewRow] = []
        /// Row keys changed recently, with the tick they changed at (highlight fades after a while).
        public var changed: [String: Int] = [:]
        public var selected = 0
        public var mode: ViewMode = .asOfCursor
        public var eventsPerTick: Int = 1
        public var applied: Int64 = 0
        public var duplicates: Int64 = 0
        public var asOf: String = ""
        /// The view is still folding towards the cursor, a slice per tick.
        public var catchingUp = false
        /// The first frame shows the view pane empty: folding a view as of the cursor reads the
        /// first batch of every partition of the topic (31 ms of a cold 50-partition topic's
        /// first frame), so it runs on the first tick instead.
        public var syncPending = false
        public var follower = Follower(name: "view", position: 0, end: 0)
        /// Set by `m`: the rows are compared with the view as it was there.
        public var mark: ViewMark?
        public init() {}
    }

    // Log and layout
    public var logLabel = ""
    public var isLive = false
    public var isReadOnly = true
    public var width = 80
    public var height = 24
    public var tick = 0
    /// The wall clock (ms) when the message being handled arrived, set by whoever feeds `update`:
    /// the only time `update` reads, so lessons report real delays, not 100 ms ticks.
    public var clockMs: Int64 = 0

    // Topics pane
    public var topics: [TopicEntry] = []
    public var followers: [Follower] = []
    public var topicIndex = 0
    public var partitionIndex = 0
    public var focus: Pane = .events
    /// Topics with many partitions the user expanded (Enter in the topics pane).
    public var expandedTopics: Set<String> = []
    /// The topic whose background work (loading its other partitions, verifying its chains) the
    /// session was last asked for; set on the tick after the first frame.
    public var backgroundTopic: String?

    // Events pane
    public var cursor: Int64 = 0
    public var events: [EventRow] = []
    public var follow = false
    public var filter: String?
    /// Values as stored (JSON, text, hex) instead of decoded from Avro/Protobuf: the `d` toggle.
    public var rawValues = false
    public var search: String?

    // Timeline
    public var timeline: [Int] = []
    public var timelineStart: Int64 = 0
    public var timelineEnd: Int64 = 0
    public var scrubStepMs: Int64 = 3_600_000

    // View, overlays, prompt, status
    public var view = ViewPane()
    public var overlay: Overlay = .none
    public var detail: [String] = []
    public var detailScroll = 0
    public var lineage: [LineageRow] = []
    public var lineageKey = ""
    public var lineageSelected = 0
    public var prompt: Prompt?
    public var status = ""
    public var statusIsError = false
    public var lessons = LessonProgress()
    public var quitting = false

    public init() {}

    public var currentTopic: TopicEntry? { topics.indices.contains(topicIndex) ? topics[topicIndex] : nil }
    public var currentPartition: PartitionEntry? {
        guard let topic = currentTopic, topic.partitions.indices.contains(partitionIndex) else { return nil }
        return topic.partitions[partitionIndex]
    }
    public func isCollapsed(_ topic: TopicEntry) -> Bool {
        topic.partitions.count > Self.partitionsShownMax && !expandedTopics.contains(topic.name)
    }
    public var currentEvent: EventRow? { events.first { $0.offset == cursor } }
    /// The view is still folding towards the cursor: the runner hands it idle slices.
    public var hasBackgroundWork: Bool { view.catchingUp && view.mode == .asOfCursor }
    /// Rows of the events pane for the current terminal size (also the PgUp/PgDn step).
    public var eventsPageSize: Int {
        let events = Layout(width: width, height: height, dock: Explorer.lessonBoxHeight(self, width: width, height: height)).events
        // A boxed pane loses two rows to its border and one to the column header (see drawEvents).
        return max(1, events.height >= 3 ? events.height - (events.height - 2 >= 3 ? 3 : 2) : events.height)
    }
}
