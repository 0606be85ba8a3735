import EventLog

/// What JetStream keeps that the read path's summaries and group listings need: the stream state
/// answers a partition summary without reading a message, the stream config gives the topic's
/// details, and durable consumers are the consumer groups (their ack floors the commits).
extension JetStreamSource {
    public var firstPossibleOffset: Offset { Offset(1) }

    public func summary(of partition: TopicPartition) throws -> PartitionSummary {
        let state = try jetStream.streamInfo(try stream(partition)).state
        let start = Offset(Int64(state.messages == 0 ? state.lastSeq + 1 : state.firstSeq))
        return PartitionSummary(partition, offsets: start..<Offset(Int64(state.lastSeq + 1)), bytes: Int64(state.bytes),
                                first: Self.time(state.firstTs), last: Self.time(state.lastTs))
    }

    public func topicDetails(_ topic: String) throws -> [SourceDetail] {
        let info = try jetStream.streamInfo(topic)
        return [
            SourceDetail("subjects", (info.config.subjects ?? []).joined(separator: " ")),
            SourceDetail("retention", Self.retention(info.config)),
            SourceDetail("storage", info.config.storage ?? "file"),
            SourceDetail("replicas", "\(info.config.numReplicas ?? 1)"),
            SourceDetail("placement", Self.placement(info.cluster)),
        ]
    }

    /// Durable consumers of every stream the URL covers. A consumer's ack floor is the last
    /// sequence it acknowledged, so what it reads next, Kafka's "committed", is one past it.
    public func consumerGroups() throws -> [String: [TopicPartition: Offset]] {
        var result: [String: [TopicPartition: Offset]] = [:]
        for stream in try topicNames() {
            for consumer in try durableConsumers(of: stream) {
                result[consumer.name, default: [:]][TopicPartition(topic: stream, partition: 0)] = Offset(Int64(consumer.ackFloor.streamSeq + 1))
            }
        }
        return result
    }

    static func time(_ text: String?) -> Timestamp? {
        guard let text, let time = RFC3339.timestamp(text), time.milliseconds > 0 else { return nil }
        return time
    }

    static func retention(_ config: StreamConfig) -> String {
        var parts = [config.retention ?? "limits"]
        if let age = config.maxAge, age > 0 { parts.append("max age \(age / 1_000_000) ms") }
        if let count = config.maxMsgs, count > 0 { parts.append("max \(count) msgs") }
        if let bytes = config.maxBytes, bytes > 0 { parts.append("max \(bytes) bytes") }
        if parts.count == 1 { parts.append("forever") }
        return parts.joined(separator: ", ")
    }

    static func placement(_ cluster: ClusterInfo?) -> String {
        guard let cluster else { return "single server" }
        var text = "cluster \(cluster.name ?? "-") leader \(cluster.leader ?? "none")"
        for peer in cluster.replicas ?? [] { text += ", replica \(peer.name) \(peer.current == true ? "current" : "behind \(peer.lag ?? 0)")" }
        return text
    }
}
