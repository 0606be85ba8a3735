/// The read path every reader can go through without knowing what stores the events: the embedded
/// engine (`EventLog`) or a remote one (JetStream, in the NATS module).
///
/// A topic has partitions; a partition has offsets `startOffset..<endOffset` (possibly with holes:
/// retention, compaction, deleted messages), each record a timestamp, key, value and headers.
/// Records are owned copies: a remote source has nothing to borrow from. The embedded engine's
/// borrowing readers (PartitionStream, the views' fold) stay on `EventLog` itself, where they are
/// the fast path.
public protocol LogSource: AnyObject {
    /// What the user named: a directory or a `nats://` URL.
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
}
