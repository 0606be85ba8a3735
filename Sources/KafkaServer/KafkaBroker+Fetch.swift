import EventLog
import Foundation
import KafkaProtocol

/// Fetch and ListOffsets. Fetch returns whole stored batches from the one holding the fetch offset;
/// a request with less than min_bytes available waits (up to max_wait_ms) until an append wakes it.
extension KafkaBroker {
    func fetch(_ request: FetchRequest) -> FetchResponse {
        let waitMs = min(Int(max(0, request.maxWaitMs)), config.fetchWaitMsMax)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(waitMs) * 1_000_000
        while true {
            let seen = appendSequence
            let (response, bytes) = fetchOnce(request)
            let now = DispatchTime.now().uptimeNanoseconds
            // An error answers at once: waiting would not change it.
            if bytes >= Int(request.minBytes) || now >= deadline || groups.isStopping || hasPartitionError(response) {
                return response
            }
            appended.withLock {
                if appendCount == seen && !groups.isStopping {
                    appended.wait(timeoutMs: max(1, Int((deadline - now) / 1_000_000)))
                }
            }
        }
    }

    private func hasPartitionError(_ response: FetchResponse) -> Bool {
        response.responses.contains { $0.partitions.contains { $0.errorCode != 0 } }
    }

    private func fetchOnce(_ request: FetchRequest) -> (FetchResponse, Int) {
        var response = FetchResponse()
        var budget = min(Int(request.maxBytes <= 0 ? Int32.max : request.maxBytes), config.fetchResponseBytesMax)
        var total = 0
        response.responses = request.topics.map { topic in
            var topicResponse = FetchResponse.FetchableTopicResponse()
            topicResponse.topic = topic.topic
            let logs = try? log.partitions(of: topic.topic)
            topicResponse.partitions = topic.partitions.map { wanted in
                var data = FetchResponse.FetchableTopicResponse.PartitionData()
                data.partitionIndex = wanted.partition
                guard let logs, wanted.partition >= 0, Int(wanted.partition) < logs.count else {
                    data.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    return data
                }
                let partition = logs[Int(wanted.partition)]
                do {
                    let start = partition.startOffset.rawValue
                    let end = try partition.endOffset().rawValue
                    data.highWatermark = end
                    data.lastStableOffset = end
                    data.logStartOffset = start
                    guard wanted.fetchOffset >= start, wanted.fetchOffset <= end else {
                        data.errorCode = KafkaErrorCode.offsetOutOfRange.rawValue
                        return data
                    }
                    var records: [UInt8] = []
                    if wanted.fetchOffset < end && budget > 0 {
                        // The first partition with data gets at least one batch, however large
                        // (Kafka's rule, so a big batch cannot stall a consumer); later ones stay in budget.
                        let limit = min(Int(max(0, wanted.partitionMaxBytes)), budget)
                        if limit > 0 || total == 0 {
                            try partition.readBatches(from: Offset(wanted.fetchOffset), maxBytes: max(1, limit), into: &records)
                        }
                    }
                    total += records.count
                    budget -= records.count
                    data.records = records
                } catch {
                    logger("fetch from \(topic.topic)-\(wanted.partition) failed: \(error)")
                    data.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
                }
                return data
            }
            return topicResponse
        }
        return (response, total)
    }

    func listOffsets(_ request: ListOffsetsRequest) -> ListOffsetsResponse {
        var response = ListOffsetsResponse()
        response.topics = request.topics.map { topic in
            var topicResponse = ListOffsetsResponse.ListOffsetsTopicResponse()
            topicResponse.name = topic.name
            let logs = try? log.partitions(of: topic.name)
            topicResponse.partitions = topic.partitions.map { wanted in
                var result = ListOffsetsResponse.ListOffsetsTopicResponse.ListOffsetsPartitionResponse()
                result.partitionIndex = wanted.partitionIndex
                result.leaderEpoch = 0
                guard let logs, wanted.partitionIndex >= 0, Int(wanted.partitionIndex) < logs.count else {
                    result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    return result
                }
                do {
                    (result.offset, result.timestamp) = try Self.lookUp(wanted.timestamp, in: logs[Int(wanted.partitionIndex)])
                } catch {
                    logger("list offsets of \(topic.name)-\(wanted.partitionIndex) failed: \(error)")
                    result.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
                }
                return result
            }
            return topicResponse
        }
        return response
    }

    /// -1 latest, -2 earliest, otherwise the first offset whose timestamp is ≥ T with that record's
    /// timestamp, or (-1, -1) when no record is that late (Kafka's answer).
    static func lookUp(_ timestamp: Int64, in partition: PartitionLog) throws -> (offset: Int64, timestamp: Int64) {
        switch timestamp {
        case -1: return (try partition.endOffset().rawValue, -1)
        case -2: return (partition.startOffset.rawValue, -1)
        default:
            let end = try partition.endOffset()
            let found = try partition.offset(forTimestamp: Timestamp(milliseconds: timestamp))
            guard found < end, let record = try partition.read(from: found, maxRecords: 1).first else { return (-1, -1) }
            return (record.offset.rawValue, record.timestamp.milliseconds)
        }
    }
}
