/// What `rewind compact` did to one partition (or why it left it alone).
public struct PartitionCompactionReport: Sendable {
    public var topicPartition: TopicPartition
    /// Segments before the compaction, the active one included.
    public var segmentsBefore = 0
    public var segmentsAfter = 0
    /// Sealed segments before the first unstable offset: the ones the cleaner read and rewrote.
    public var cleanedSegments = 0
    /// The first offset the cleaner did not touch: the active segment's base, or the segment
    /// holding the first record of a transaction that has no marker yet.
    public var cleanedUpTo: Int64 = 0
    public var recordsRead = 0
    public var recordsKept = 0
    public var supersededDropped = 0
    public var tombstonesDropped = 0
    public var abortedDropped = 0
    /// Records without a key: Kafka's cleaner removes them from a compacted topic, so this one does.
    public var keylessDropped = 0
    public var bytesRead: Int64 = 0
    public var bytesWritten: Int64 = 0
    /// Share of the cleaned segments' records a clean removes (this cleaner's dirty ratio).
    public var dirtyRatio = 0.0
    /// Set when the partition was left as it was, with the reason.
    public var skipped: String?
    /// An earlier repair or compaction interrupted by a crash was completed (or rolled back) first.
    public var finishedInterrupted = false
    /// The chain head before and after (see CompactionHistory): nil when nothing was rewritten.
    public var history: CompactionHistory.Entry?
}
