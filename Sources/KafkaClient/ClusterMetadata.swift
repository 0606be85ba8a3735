import KafkaProtocol

/// What a Metadata answer says about the cluster: brokers by node id, and per topic the
/// partitions with their leaders.
struct ClusterMetadata: Sendable {
    struct Topic: Sendable {
        var name: String
        var errorCode: Int16
        var isInternal: Bool
        /// Leader node id per partition (-1: no leader right now), sorted by partition.
        var leaders: [Int32: Int32]
        var partitions: [Int32] { leaders.keys.sorted() }
    }

    var brokers: [Int32: KafkaURL.Address] = [:]
    var topics: [String: Topic] = [:]
    var controllerId: Int32 = -1

    init() {}

    init(_ response: MetadataResponse) {
        for broker in response.brokers {
            brokers[broker.nodeId] = KafkaURL.Address(host: broker.host, port: Int(broker.port))
        }
        controllerId = response.controllerId
        for topic in response.topics {
            guard let name = topic.name else { continue }
            var leaders: [Int32: Int32] = [:]
            for partition in topic.partitions { leaders[partition.partitionIndex] = partition.leaderId }
            topics[name] = Topic(name: name, errorCode: topic.errorCode, isInternal: topic.isInternal, leaders: leaders)
        }
    }

    /// Merges an answer about some topics into what is known (a refresh of one topic keeps the rest).
    mutating func merge(_ other: ClusterMetadata) {
        brokers.merge(other.brokers) { $1 }
        topics.merge(other.topics) { $1 }
        if other.controllerId >= 0 { controllerId = other.controllerId }
    }
}
