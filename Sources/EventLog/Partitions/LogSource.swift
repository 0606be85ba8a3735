/// The read path every reader goes through without knowing what stores the events: the embedded
/// engine (`EventLog`), JetStream (the NATS module), a Kafka cluster (KafkaClient). Commands, views,
/// lineage, export and the explorer see only this protocol; a new backend is a new conformance.
///
/// A topic has partitions; a partition has offsets `startOffset..<endOffset` (possibly with holes:
/// retention, compaction, deleted messages), each record a timestamp, key, value and headers.
/// `read` hands out owned copies; `batches` is the bulk path folds use: the embedded engine lends
/// records straight from its mapped segments, other sources get the default, which re-frames
/// their owned records as batches (see `RecordsBatchStream`).
///
/// Requirements with a default (in LogSource+Defaults.swift) are those a backend may have nothing
/// faster for; everything else each backend answers itself.
public protocol LogSource: AnyObject {
    /// What the user named: a directory or a URL (`nats://…`, `kafka://…`). Snapshot caches are keyed by it.
    var location: String { get }
    func topicNames() throws -> [String]
    /// Partition numbers of `topic`; throws `.notFound` for an unknown topic.
    func partitionNumbers(of topic: String) throws -> [Int32]
    func startOffset(of partition: TopicPartition) throws -> Offset
    /// One past the last offset written.
    func endOffset(of partition: TopicPartition) throws -> Offset
    /// Up to `maxRecords` records at offsets ≥ `start`, in offset order (fewer at the end).
    func read(_ partition: TopicPartition, from start: Offset, maxRecords: Int) throws -> [Record]
    /// The first offset whose record has a timestamp ≥ `timestamp`, or the end offset.
    func offset(forTimestamp timestamp: Timestamp, in partition: TopicPartition) throws -> Offset
    /// Waits up to `timeoutMs` for a record at `offset` or later; true when one is there.
    func waitForRecords(_ partition: TopicPartition, from offset: Offset, timeoutMs: Int) throws -> Bool
    func close()

    /// The lowest offset the backend ever assigns: 0 for Kafka, 1 for JetStream (sequences start at
    /// 1), so a fold from the beginning reports no gap before it. Default 0.
    var firstPossibleOffset: Offset { get }
    /// Offsets, sizes and first/last timestamps of a partition, without a scan where the backend
    /// keeps them (`topics describe`, the explorer's topics pane). Default: from reads of the first
    /// and last records.
    func summary(of partition: TopicPartition) throws -> PartitionSummary
    /// What the backend adds about a topic beyond its partitions (retention, subjects, replicas…),
    /// in display order. Default: nothing.
    func topicDetails(_ topic: String) throws -> [SourceDetail]
    /// Borrowed batches of committed records from `start`: the fold's fast path. Default: owned
    /// reads re-framed as batches.
    func batches(_ partition: TopicPartition, from start: Offset) throws -> any SourceBatchStream
    /// Consumer groups with their committed offsets (the next offset each partition reads).
    /// Default: none.
    func consumerGroups() throws -> [String: [TopicPartition: Offset]]
    /// Whether `commit` can succeed here (a Rewind log: yes; a captured dir, JetStream: no). Default false.
    var canCommitGroups: Bool { get }
    /// Commits `offsets` for `group`. Default: throws `.readOnly` (the backend keeps no commits for us).
    func commit(group: String, offsets: [TopicPartition: Offset]) throws
    /// Joins `group` to read `partitions` of `topic` (nil: the topic's share the group gives this
    /// member). Default: a `StandaloneGroupMembership` of the partitions (all when nil), committing
    /// through `commit`.
    func joinGroup(_ group: String, topic: String, partitions: [Int32]?) throws -> any GroupMembership
    /// What the backend knows about a group beyond its commits (state, live members and their
    /// partitions), in display order. Default: nothing.
    func groupDetails(_ group: String) throws -> [SourceDetail]
}

/// One label/value fact about a topic, e.g. ("retention", "7 d").
public struct SourceDetail: Hashable, Sendable {
    public var label: String
    public var value: String
    public init(_ label: String, _ value: String) {
        self.label = label
        self.value = value
    }
}

/// Batches of records borrowed from a source, one at a time.
public protocol SourceBatchStream: AnyObject {
    /// The next offset to read.
    var position: Offset { get }
    /// The next batch at or after `position`, its records valid until the next call; nil at the
    /// current end (call again later to pick up appends). A batch with no records stands for
    /// offsets that hold no events (a control batch, an aborted transaction) up to `lastOffset`.
    func nextBatch() throws -> SourceBatch?
    /// True when a batch's records stay valid after later calls, for as long as the batch (its
    /// `owner`) is kept: a reader may then decode ahead on another thread while a fold walks the
    /// batches before. False, the default: the stream reuses its buffers.
    var batchesOutliveNextCall: Bool { get }
}

extension SourceBatchStream {
    public var batchesOutliveNextCall: Bool { false }
}

/// Committed records of one batch (read_committed: markers and aborted records left out).
public struct SourceBatch {
    public let records: [RecordView]
    /// The batch's last offset; the stream continues after it.
    public let lastOffset: Int64
    /// What keeps the records' bytes alive (a segment's map, a decompressed buffer) when the
    /// stream's batches outlive its next call; nil otherwise.
    public let owner: AnyObject?
    public init(records: [RecordView], lastOffset: Int64, owner: AnyObject? = nil) {
        self.records = records
        self.lastOffset = lastOffset
        self.owner = owner
    }
}
