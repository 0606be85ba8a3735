import EventLog
import KafkaProtocol

/// Produce: each partition's records must be exactly one v2 batch (Kafka's rule since Produce v3);
/// the batch is validated and stored as the client encoded it, with the offset the log assigns.
extension KafkaBroker {
    func produce(_ request: ProduceRequest, version: Int16) -> ProduceResponse {
        var response = ProduceResponse()
        let durable = request.acks == -1 && config.durable
        var appendedAny = false
        response.responses = request.topicData.map { topic in
            var topicResponse = ProduceResponse.TopicProduceResponse()
            topicResponse.name = topic.name
            let logs = try? log.partitions(of: topic.name)
            topicResponse.partitionResponses = topic.partitionData.map { data in
                var result = ProduceResponse.TopicProduceResponse.PartitionProduceResponse()
                result.index = data.index
                result.baseOffset = -1
                guard version >= 3 else {
                    // v0–2 carry magic 0/1 message sets, which this log does not store.
                    result.errorCode = KafkaErrorCode.unsupportedVersion.rawValue
                    return result
                }
                guard let logs, data.index >= 0, Int(data.index) < logs.count else {
                    result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    return result
                }
                let partition = logs[Int(data.index)]
                do {
                    let batch = try Self.singleBatch(data.records ?? [])
                    let producer = ProducedBatch(batch)
                    if let original = recentBatches.original(of: producer, in: partition.topicPartition) {
                        // A retry of a batch already stored (the first answer was lost): Kafka's
                        // idempotent producer gets the original offset and nothing is appended twice.
                        result.baseOffset = original
                        result.logStartOffset = partition.startOffset.rawValue
                        return result
                    }
                    let appended = try partition.appendBatch(batch, durable: durable)
                    recentBatches.remember(producer, baseOffset: appended.firstOffset.rawValue, in: partition.topicPartition)
                    appendedAny = true
                    result.baseOffset = appended.firstOffset.rawValue
                    result.logStartOffset = partition.startOffset.rawValue
                } catch let error as EventLogError {
                    result.errorCode = Self.produceError(error).rawValue
                    result.errorMessage = error.message
                    logger("produce to \(topic.name)-\(data.index) refused: \(error)")
                } catch {
                    result.errorCode = KafkaErrorCode.unknownServerError.rawValue
                }
                return result
            }
            return topicResponse
        }
        if appendedAny { noteAppend() }
        return response
    }

    static func produceError(_ error: EventLogError) -> KafkaErrorCode {
        switch error.code {
        case .corruptBatch, .unsupportedFormat, .unsupportedCodec: return .corruptMessage
        case .invalidArgument: return .messageTooLarge
        default: return .kafkaStorageError
        }
    }

    /// The records field must hold exactly one whole batch.
    static func singleBatch(_ records: [UInt8]) throws -> [UInt8] {
        guard records.count >= RecordBatchHeader.size else {
            throw EventLogError(.corruptBatch, "records of \(records.count) bytes are shorter than a batch header")
        }
        let length = records[8..<12].reduce(0) { Int($0) << 8 | Int($1) }
        guard RecordBatchHeader.lengthPrefixSize + length == records.count else {
            throw EventLogError(.corruptBatch, "records must be exactly one batch (batch length \(length), \(records.count) bytes sent)")
        }
        return records
    }
}
