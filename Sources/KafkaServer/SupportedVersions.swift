import KafkaProtocol

/// The APIs and versions this broker serves: the non-flexible versions real clients were measured
/// to need (see README "Kafka protocol"). Produce and FindCoordinator start at 0 although v0–2 of
/// Produce are refused: librdkafka before 2.11 turns compression off, and consumer groups and LZ4
/// with it, when their advertised minimum is above 0.
enum SupportedVersions {
    static let table: [(apiKey: Int16, versions: ClosedRange<Int16>)] = [
        (ProduceRequest.apiKey, 0...8),
        (FetchRequest.apiKey, 4...11),
        (ListOffsetsRequest.apiKey, 1...5),
        (MetadataRequest.apiKey, 0...8),
        (OffsetCommitRequest.apiKey, 2...7),
        (OffsetFetchRequest.apiKey, 1...5),
        (FindCoordinatorRequest.apiKey, 0...2),
        (JoinGroupRequest.apiKey, 0...5),
        (HeartbeatRequest.apiKey, 0...3),
        (LeaveGroupRequest.apiKey, 0...3),
        (SyncGroupRequest.apiKey, 0...3),
        (DescribeGroupsRequest.apiKey, 0...4),
        (ListGroupsRequest.apiKey, 0...2),
        (ApiVersionsRequest.apiKey, 0...2),
        (CreateTopicsRequest.apiKey, 0...4),
        (InitProducerIdRequest.apiKey, 0...1),
    ]

    static let byKey: [Int16: ClosedRange<Int16>] = Dictionary(uniqueKeysWithValues: table.map { ($0.apiKey, $0.versions) })

    static func supports(_ apiKey: Int16, _ version: Int16) -> Bool {
        byKey[apiKey]?.contains(version) ?? false
    }
}
