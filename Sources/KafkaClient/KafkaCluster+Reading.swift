import Basics
import EventLog
import KafkaProtocol

/// Fetch and ListOffsets against partition leaders.
extension KafkaCluster {
    static var fetchWaitMsMin: Int { 100 }

    public struct Fetched: Sendable {
        public var records: [Record]
        /// Where the next fetch starts (after the last record, or after skipped control batches).
        public var nextOffset: Offset
        public var highWatermark: Offset
        public var logStartOffset: Offset
    }

    /// ListOffsets' special timestamps.
    public enum OffsetSpec: Sendable {
        case earliest
        case latest
        case timestamp(Timestamp)

        var wire: Int64 {
            switch self {
            case .earliest: return -2
            case .latest: return -1
            case let .timestamp(time): return time.milliseconds
            }
        }
    }

    /// The offset ListOffsets gives for `spec`; for a timestamp past the last record, nil.
    public func listOffset(_ partition: TopicPartition, _ spec: OffsetSpec) throws -> Offset? {
        try retrying(topic: partition.topic) {
            var request = ListOffsetsRequest()
            request.replicaId = -1
            var topic = ListOffsetsRequest.ListOffsetsTopic()
            topic.name = partition.topic
            var wanted = ListOffsetsRequest.ListOffsetsTopic.ListOffsetsPartition()
            wanted.partitionIndex = partition.partition
            wanted.timestamp = spec.wire
            topic.partitions = [wanted]
            request.topics = [topic]
            let (response, _) = try leaderConnection(partition).send(request, ListOffsetsResponse.self)
            guard let answer = response.topics.first(where: { $0.name == partition.topic })?.partitions.first(where: { $0.partitionIndex == partition.partition }) else {
                throw KafkaClientError(.protocolViolation, "ListOffsets answer lacks \(partition.topic)-\(partition.partition)", target: url.cluster)
            }
            try check(answer.errorCode, "ListOffsets", partition)
            return answer.offset < 0 ? nil : Offset(answer.offset)
        }
    }

    /// One Fetch of `partition` from `offset`: whole batches, records before `offset` dropped.
    /// Waits up to `maxWaitMs` for data when there is none. An offset below the log start reads
    /// from the log start; one at or past the end returns no records.
    public func fetch(_ partition: TopicPartition, from offset: Offset, maxWaitMs: Int = 0,
                      partitionMaxBytes: Int32 = KafkaClientLimits.fetchPartitionBytesMax, maxRecords: Int = .max) throws -> Fetched {
        var position = offset
        // A response of only control batches (transaction markers) moves on without records:
        // bounded so a broker that keeps answering that way cannot spin us forever.
        for _ in 0..<16 {
            let fetched = try fetchOnce(partition, from: position, maxWaitMs: maxWaitMs, partitionMaxBytes: partitionMaxBytes, maxRecords: maxRecords)
            if !fetched.records.isEmpty || fetched.nextOffset <= position || fetched.nextOffset >= fetched.highWatermark { return fetched }
            position = fetched.nextOffset
        }
        return Fetched(records: [], nextOffset: position, highWatermark: position, logStartOffset: offset)
    }

    private func fetchOnce(_ partition: TopicPartition, from offset: Offset, maxWaitMs: Int, partitionMaxBytes: Int32, maxRecords: Int) throws -> Fetched {
        let start = offset
        let answered: Fetched? = try retrying(topic: partition.topic) {
            var request = FetchRequest()
            request.replicaId = -1
            // min bytes 0 answers at once with whatever is there (Kafka, rewind serve); a wait of at
            // least 100 ms besides, because tansu 0.6 answers a 0 ms wait with no data at all.
            request.maxWaitMs = Int32(max(maxWaitMs, Self.fetchWaitMsMin))
            request.minBytes = maxWaitMs > 0 ? 1 : 0
            request.maxBytes = KafkaClientLimits.fetchBytesMax
            request.isolationLevel = 0
            var topic = FetchRequest.FetchTopic()
            topic.topic = partition.topic
            var wanted = FetchRequest.FetchTopic.FetchPartition()
            wanted.partition = partition.partition
            wanted.fetchOffset = start.rawValue
            wanted.partitionMaxBytes = partitionMaxBytes
            topic.partitions = [wanted]
            request.topics = [topic]
            let connection = try leaderConnection(partition)
            let (response, version) = try connection.send(request, FetchResponse.self, extraWaitMs: max(maxWaitMs, Self.fetchWaitMsMin))
            if response.errorCode != 0 { try check(response.errorCode, "Fetch", partition) }
            guard let answer = response.responses.first(where: { $0.topic == partition.topic })?.partitions.first(where: { $0.partitionIndex == partition.partition }) else {
                let named = response.responses.map { "\($0.topic)\($0.partitions.map(\.partitionIndex))" }.joined(separator: ",")
                throw KafkaClientError(.protocolViolation, "Fetch v\(version) answer lacks \(partition.topic)-\(partition.partition) (has: \(named))", target: connection.target)
            }
            if answer.errorCode == KafkaErrorName.offsetOutOfRange { return nil }
            try check(answer.errorCode, "Fetch", partition)
            let decoded = try FetchedBatches.decode(answer.records ?? [], from: start, maxRecords: maxRecords, decompressor: decompressor,
                                                    source: "\(connection.target) \(partition.topic)-\(partition.partition)")
            return Fetched(records: decoded.records, nextOffset: max(start, decoded.nextOffset ?? start),
                           highWatermark: Offset(answer.highWatermark), logStartOffset: Offset(max(0, answer.logStartOffset)))
        }
        if let answered { return answered }
        // Out of range: below the log start (retention moved it) reads from the start, at or past
        // the end reads nothing.
        let earliest = try listOffset(partition, .earliest) ?? start
        let latest = try listOffset(partition, .latest) ?? start
        if start < earliest { return try fetchOnce(partition, from: earliest, maxWaitMs: maxWaitMs, partitionMaxBytes: partitionMaxBytes, maxRecords: maxRecords) }
        return Fetched(records: [], nextOffset: start, highWatermark: latest, logStartOffset: earliest)
    }
}
