/// What a backend gets when it has nothing faster: everything here is built from `read`,
/// `startOffset` and `endOffset`.
extension LogSource {
    public var firstPossibleOffset: Offset { .zero }

    public func summary(of partition: TopicPartition) throws -> PartitionSummary {
        let start = try startOffset(of: partition)
        let end = try endOffset(of: partition)
        let first = start < end ? try read(partition, from: start, maxRecords: 1).first?.timestamp : nil
        let last = start < end ? try read(partition, from: end.advanced(by: -1), maxRecords: 1).first?.timestamp : nil
        return PartitionSummary(topicPartition: partition, startOffset: start, endOffset: end, segments: 0, sizeInBytes: 0,
                                firstTimestamp: first, largestTimestamp: last)
    }

    public func topicDetails(_ topic: String) throws -> [SourceDetail] { [] }

    public func batches(_ partition: TopicPartition, from start: Offset) throws -> any SourceBatchStream {
        RecordsBatchStream(source: self, partition: partition, from: start)
    }

    public func consumerGroups() throws -> [String: [TopicPartition: Offset]] { [:] }

    public var canCommitGroups: Bool { false }

    public func commit(group: String, offsets: [TopicPartition: Offset]) throws {
        throw EventLogError(.readOnly, "\(location) keeps no consumer-group commits for Rewind")
    }

    public func joinGroup(_ group: String, topic: String, partitions: [Int32]?) throws -> any GroupMembership {
        let numbers = try partitions ?? partitionNumbers(of: topic)
        return try StandaloneGroupMembership(source: self, group: group, partitions: numbers.map { TopicPartition(topic: topic, partition: $0) })
    }

    public func groupDetails(_ group: String) throws -> [SourceDetail] { [] }

}

extension LogSource {
    /// Committed offset, end offset and lag (end − committed) per partition with a commit, in
    /// topic-partition order: what `groups describe` prints for every backend. A partition the
    /// source no longer has is left out (a deleted topic's old commits).
    public func lag(committed: [TopicPartition: Offset]) throws -> [EventLog.GroupLag] {
        try committed.keys.sorted().compactMap { partition in
            guard let end = try? endOffset(of: partition) else { return nil }
            let position = committed[partition]!
            return EventLog.GroupLag(topicPartition: partition, committed: position, endOffset: end, lag: max(0, end.rawValue - position.rawValue))
        }
    }
}

extension PartitionSummary {
    /// For backends outside the engine (the memberwise initializer is internal to it).
    public init(_ partition: TopicPartition, offsets: Range<Offset>, segments: Int = 0, bytes: Int64, first: Timestamp?, last: Timestamp?) {
        self.init(topicPartition: partition, startOffset: offsets.lowerBound, endOffset: offsets.upperBound, segments: segments,
                  sizeInBytes: bytes, firstTimestamp: first, largestTimestamp: last)
    }
}
