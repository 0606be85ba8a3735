/// What the topics pane and `topics describe` show about a partition, computed without a scan:
/// positions from the segment list, times from the first record and the last segment's index.
public struct PartitionSummary: Hashable, Sendable {
    public var topicPartition: TopicPartition
    public var startOffset: Offset
    public var endOffset: Offset
    public var segments: Int
    public var sizeInBytes: Int64
    public var firstTimestamp: Timestamp?
    public var largestTimestamp: Timestamp?
    /// Offsets in the log (Kafka's count: end − start, gaps and control records included).
    public var eventCount: Int64 { endOffset.rawValue - startOffset.rawValue }
}

extension PartitionLog {
    public func summary() throws -> PartitionSummary {
        let segments = segmentSnapshot()
        var largest: Int64?
        for segment in segments.reversed() {
            if let value = try segment.largestTimestamp { largest = max(largest ?? value, value); break }
        }
        var first: Timestamp?
        // A damaged or unsupported first batch shouldn't hide the rest of the summary.
        try? forEachRecord(from: startOffset) { record, _ in
            first = record.timestamp
            return false
        }
        return PartitionSummary(topicPartition: topicPartition, startOffset: startOffset, endOffset: try endOffset(),
                                segments: segments.count, sizeInBytes: try sizeInBytes(), firstTimestamp: first,
                                largestTimestamp: largest.map { Timestamp(milliseconds: $0) })
    }
}
