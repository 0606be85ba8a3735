extension EventLog: LogSource {
    public var location: String { directory }

    public func topicNames() throws -> [String] { topics().map(\.name) }

    public func partitionNumbers(of topic: String) throws -> [Int32] {
        try partitions(of: topic).map(\.topicPartition.partition)
    }

    public func startOffset(of partition: TopicPartition) throws -> Offset { try self.partition(partition).startOffset }

    public func endOffset(of partition: TopicPartition) throws -> Offset { try self.partition(partition).endOffset() }

    public func read(_ partition: TopicPartition, from start: Offset, maxRecords: Int) throws -> [Record] {
        try self.partition(partition).read(from: start, maxRecords: maxRecords)
    }

    public func offset(forTimestamp timestamp: Timestamp, in partition: TopicPartition) throws -> Offset {
        try self.partition(partition).offset(forTimestamp: timestamp)
    }

    public func waitForRecords(_ partition: TopicPartition, from offset: Offset, timeoutMs: Int) throws -> Bool {
        let log = try self.partition(partition)
        if try log.endOffset() > offset { return true }
        return try log.waitForRecords(after: offset, timeoutMs: timeoutMs) > offset
    }
}
