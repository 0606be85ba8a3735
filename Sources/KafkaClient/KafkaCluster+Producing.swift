import Basics
import EventLog
import KafkaProtocol

/// Writing: topic creation and the idempotent producer's two requests (InitProducerId, Produce).
extension KafkaCluster {
    /// Creates `topic` with `partitions` (replication: the broker's default where the version
    /// allows it, else 1). Returns false when it already exists.
    @discardableResult
    public func createTopic(_ topic: String, partitions: Int32) throws -> Bool {
        let connection = try anyConnection()
        let version = try connection.version(of: CreateTopicsRequest.apiKey)
        var request = CreateTopicsRequest()
        var creatable = CreateTopicsRequest.CreatableTopic()
        creatable.name = topic
        creatable.numPartitions = partitions
        creatable.replicationFactor = version >= 4 ? -1 : 1
        request.topics = [creatable]
        request.timeoutMs = Int32(options.requestTimeoutMs)
        let response = try connection.send(request, version: version, CreateTopicsResponse.self)
        guard let result = response.topics.first(where: { $0.name == topic }) else {
            throw KafkaClientError(.protocolViolation, "CreateTopics answer lacks '\(topic)'", target: connection.target)
        }
        if result.errorCode == KafkaErrorName.topicAlreadyExists { return false }
        guard result.errorCode == 0 else {
            throw KafkaClientError(.broker, "cannot create topic '\(topic)': \(KafkaErrorName.describe(result.errorCode))\(result.errorMessage.map { " \($0)" } ?? "")",
                                   target: url.cluster, kafkaErrorCode: result.errorCode)
        }
        try refreshMetadata(topics: [topic])
        return true
    }

    /// A fresh idempotent producer identity (no transactional id): the broker drops a batch whose
    /// (producer id, epoch, sequence) it already stored, so a re-sent Produce is never written twice.
    public func initProducerId() throws -> (producerId: Int64, epoch: Int16) {
        try retrying(topic: nil) {
            var request = InitProducerIdRequest()
            request.transactionalId = nil
            request.transactionTimeoutMs = 60_000
            let (response, _) = try anyConnection().send(request, InitProducerIdResponse.self)
            guard response.errorCode == 0 else {
                throw KafkaClientError(.broker, "InitProducerId failed: \(KafkaErrorName.describe(response.errorCode))", target: url.cluster,
                                       kafkaErrorCode: response.errorCode)
            }
            return (response.producerId, response.producerEpoch)
        }
    }

    /// Produces one encoded batch to `partition`'s leader with acks=all; the base offset it got.
    /// DUPLICATE_SEQUENCE_NUMBER (the broker has this batch already: an earlier attempt did
    /// arrive) counts as success, without an offset.
    public func produce(_ batch: [UInt8], to partition: TopicPartition) throws -> Offset? {
        try retrying(topic: partition.topic) {
            var request = ProduceRequest()
            request.acks = -1
            request.timeoutMs = Int32(options.requestTimeoutMs)
            var topic = ProduceRequest.TopicProduceData()
            topic.name = partition.topic
            var data = ProduceRequest.TopicProduceData.PartitionProduceData()
            data.index = partition.partition
            data.records = batch
            topic.partitionData = [data]
            request.topicData = [topic]
            let connection = try leaderConnection(partition)
            let (response, _) = try connection.send(request, ProduceResponse.self)
            guard let answer = response.responses.first(where: { $0.name == partition.topic })?.partitionResponses.first(where: { $0.index == partition.partition }) else {
                throw KafkaClientError(.protocolViolation, "Produce answer lacks \(partition.topic)-\(partition.partition)", target: connection.target)
            }
            if answer.errorCode == KafkaErrorName.duplicateSequence { return nil }
            try check(answer.errorCode, "Produce", partition)
            return Offset(answer.baseOffset)
        }
    }
}
