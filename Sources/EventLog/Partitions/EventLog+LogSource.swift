/// The embedded engine behind the read path: reads go straight to the partitions, and the bulk
/// path lends records from the mapped segments (`EmbeddedBatchStream`), as the fold always did.
extension EventLog: LogSource {
    public var location: String { directory }

    public func topicNames() throws -> [String] { topics().map(\.name) }

    public func partitionNumbers(of topic: String) throws -> [Int32] {
        try partitions(of: topic).map(\.topicPartition.partition)
    }

    public func startOffset(of partition: TopicPartition) throws -> Offset { try self.partition(partition).startOffset }

    public func endOffset(of partition: TopicPartition) throws -> Offset { try self.partition(partition).endOffset() }

    /// Records up to the first damaged batch: the good ones before it are served, and the next
    /// read, starting at the damage, throws (consume prints every good event, then the error).
    public func read(_ partition: TopicPartition, from start: Offset, maxRecords: Int) throws -> [Record] {
        var records: [Record] = []
        guard maxRecords > 0 else { return records }
        do {
            try self.partition(partition).forEachRecord(from: start) { record, batch in
                records.append(record.materialize(batch: batch.info))
                return records.count < maxRecords
            }
        } catch {
            if records.isEmpty { throw error }
        }
        return records
    }

    public func offset(forTimestamp timestamp: Timestamp, in partition: TopicPartition) throws -> Offset {
        try self.partition(partition).offset(forTimestamp: timestamp)
    }

    public func waitForRecords(_ partition: TopicPartition, from offset: Offset, timeoutMs: Int) throws -> Bool {
        let log = try self.partition(partition)
        if try log.endOffset() > offset { return true }
        return try log.waitForRecords(after: offset, timeoutMs: timeoutMs) > offset
    }

    public func summary(of partition: TopicPartition) throws -> PartitionSummary { try self.partition(partition).summary() }

    public func topicDetails(_ topic: String) throws -> [SourceDetail] {
        guard let info = topics().first(where: { $0.name == topic }) else {
            throw EventLogError(.notFound, "unknown topic '\(topic)'", path: directory)
        }
        let retention = info.config.map { $0.retentionMs == 0 ? "forever" : "\($0.retentionMs) ms" } ?? "unknown (captured log)"
        guard let config = info.config, config.policy.compacts else { return [SourceDetail("retention", retention)] }
        return [SourceDetail("retention", retention), SourceDetail("cleanup.policy", config.policy.rawValue),
                SourceDetail("delete.retention", "\(config.tombstoneRetentionMs) ms"),
                SourceDetail("min.cleanable.dirty.ratio", "\(config.cleanableRatioMin)")]
    }

    public func batches(_ partition: TopicPartition, from start: Offset) throws -> any SourceBatchStream {
        EmbeddedBatchStream(PartitionStream(partition: try self.partition(partition), from: start))
    }

    /// Rewind's own group files, and for a captured broker directory the commits in its
    /// `__consumer_offsets` topic.
    public func consumerGroups() throws -> [String: [TopicPartition: Offset]] {
        var result: [String: [TopicPartition: Offset]] = [:]
        for group in try groups.list() { result[group] = try groups.committed(group) }
        for (group, commits) in try KafkaConsumerOffsets.committed(in: self) ?? [:] { result[group] = commits }
        return result
    }

    public var canCommitGroups: Bool { isRewindLog }

    public func commit(group: String, offsets: [TopicPartition: Offset]) throws {
        try committableGroups().commit(group, offsets)
    }
}

/// A partition's stream with what read_committed leaves out already left out: control batches and
/// aborted transactions come back as empty batches.
final class EmbeddedBatchStream: SourceBatchStream {
    let stream: PartitionStream
    init(_ stream: PartitionStream) { self.stream = stream }

    var position: Offset { stream.position }
    var batchesOutliveNextCall: Bool { true }

    @inline(__always)
    func nextBatch() throws -> SourceBatch? {
        guard let (records, context, lastOffset) = try stream.nextBatch() else { return nil }
        let header = context.header
        if header.isControl { return SourceBatch(records: [], lastOffset: lastOffset) }
        if header.isTransactional, try stream.partition.abortedTransactions().contains(header, offset: header.baseOffset) {
            return SourceBatch(records: [], lastOffset: lastOffset)
        }
        return SourceBatch(records: records, lastOffset: lastOffset, owner: stream.owner)
    }
}
