import EventLog
import KafkaProtocol

/// Metadata and CreateTopics: one broker (node 0) leads every partition, replicas and ISR are [0].
extension KafkaBroker {
    func metadata(_ request: MetadataRequest, version: Int16) -> MetadataResponse {
        var response = MetadataResponse()
        var broker = MetadataResponse.MetadataResponseBroker()
        broker.nodeId = Self.nodeId
        broker.host = advertisedHost
        broker.port = advertisedPort
        response.brokers = [broker]
        response.clusterId = Self.clusterId
        response.controllerId = Self.nodeId
        // v0: an empty list means every topic; v1+: null means every topic, empty means none.
        let names: [String]
        if let topics = request.topics, !(version == 0 && topics.isEmpty) {
            names = topics.map { $0.name ?? "" }
        } else {
            names = log.topics().map(\.name)
        }
        let mayCreate = config.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation)
        response.topics = names.map { describeTopic($0, create: mayCreate) }
        return response
    }

    private func describeTopic(_ name: String, create: Bool) -> MetadataResponse.MetadataResponseTopic {
        var topic = MetadataResponse.MetadataResponseTopic()
        topic.name = name
        var logs = try? log.partitions(of: name)
        if logs == nil && create {
            do {
                try TopicConfig.validateName(name)
                try createTopic(name, partitions: config.defaultPartitions)
            } catch {
                topic.errorCode = KafkaErrorCode.invalidTopic.rawValue
                return topic
            }
            logs = try? log.partitions(of: name)
        }
        guard let logs else {
            topic.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
            return topic
        }
        topic.partitions = logs.map { partitionLog in
            var partition = MetadataResponse.MetadataResponseTopic.MetadataResponsePartition()
            partition.partitionIndex = partitionLog.topicPartition.partition
            partition.leaderId = Self.nodeId
            partition.leaderEpoch = 0
            partition.replicaNodes = [Self.nodeId]
            partition.isrNodes = [Self.nodeId]
            return partition
        }
        return topic
    }

    /// Creates a topic unless a concurrent request did so first (then it is not an error here).
    func createTopic(_ name: String, partitions: Int32) throws {
        do {
            try log.createTopic(name, config: TopicConfig(partitions: partitions))
            logger("topic \(name) created with \(partitions) partition\(partitions == 1 ? "" : "s")")
        } catch let error as EventLogError where error.code == .alreadyExists {
            return
        }
    }

    func createTopics(_ request: CreateTopicsRequest, version: Int16) -> CreateTopicsResponse {
        var response = CreateTopicsResponse()
        response.topics = request.topics.map { topic in
            var result = CreateTopicsResponse.CreatableTopicResult()
            result.name = topic.name
            let partitions = topic.numPartitions == -1 ? config.defaultPartitions : topic.numPartitions
            func fail(_ code: KafkaErrorCode, _ message: String) -> CreateTopicsResponse.CreatableTopicResult {
                result.errorCode = code.rawValue
                result.errorMessage = message
                return result
            }
            if (try? log.partitions(of: topic.name)) != nil {
                return fail(.topicAlreadyExists, "Topic '\(topic.name)' already exists.")
            }
            if let message = (Result { try TopicConfig.validateName(topic.name) }).errorMessage {
                return fail(.invalidTopic, message)
            }
            guard partitions >= 1, partitions <= Limits.partitionsPerTopicMax, topic.assignments.isEmpty else {
                return fail(.invalidPartitions, "partitions must be 1...\(Limits.partitionsPerTopicMax) without manual assignments")
            }
            guard topic.replicationFactor == -1 || topic.replicationFactor == 1 else {
                return fail(.invalidReplicationFactor, "this broker keeps one replica; replication factor must be 1 or -1")
            }
            var topicConfig = TopicConfig(partitions: partitions)
            for entry in topic.configs {
                switch entry.name {
                case "retention.ms": if let value = entry.value.flatMap(Int64.init) { topicConfig.retentionMs = max(0, value) }
                case "segment.bytes": if let value = entry.value.flatMap(Int.init) { topicConfig.segmentBytes = value }
                default: break // other topic configs are accepted and not kept
                }
            }
            if request.validateOnly {
                return (Result { try topicConfig.validate(topic: topic.name) }).errorMessage.map { fail(.invalidRequest, $0) } ?? result
            }
            do {
                try log.createTopic(topic.name, config: topicConfig)
                logger("topic \(topic.name) created with \(partitions) partition\(partitions == 1 ? "" : "s")")
            } catch let error as EventLogError where error.code == .alreadyExists {
                return fail(.topicAlreadyExists, "Topic '\(topic.name)' already exists.")
            } catch {
                return fail(.invalidRequest, "\(error)")
            }
            return result
        }
        return response
    }
}

extension Result where Failure == Error {
    /// The error's description for a failed result; nil on success.
    var errorMessage: String? {
        if case let .failure(error) = self { return "\(error)" }
        return nil
    }
}
