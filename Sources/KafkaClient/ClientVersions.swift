import KafkaProtocol

/// The versions of each API this client speaks: the generated codecs cover every version of the
/// schemas, but some versions change meaning, not only layout, and are left out:
/// Fetch v13+ names topics by id (Rewind's reads name them), FindCoordinator v4+ and
/// OffsetFetch v8+ batch several keys/groups, Produce v10+ and ListOffsets v8+ add nothing a
/// reader uses. Minimums: Fetch v4 and Produce v3 are the first with v2 record batches, ListOffsets v1
/// the first with a single offset per timestamp.
enum ClientVersions {
    static let table: [Int16: ClosedRange<Int16>] = [
        ApiVersionsRequest.apiKey: 0...3,
        MetadataRequest.apiKey: 1...12,
        FetchRequest.apiKey: 4...12,
        ListOffsetsRequest.apiKey: 1...7,
        FindCoordinatorRequest.apiKey: 0...3,
        ListGroupsRequest.apiKey: 0...4,
        DescribeGroupsRequest.apiKey: 0...5,
        OffsetFetchRequest.apiKey: 1...7,
        OffsetCommitRequest.apiKey: 2...8,
        JoinGroupRequest.apiKey: 0...7,
        SyncGroupRequest.apiKey: 0...5,
        HeartbeatRequest.apiKey: 0...4,
        LeaveGroupRequest.apiKey: 0...4,
        CreateTopicsRequest.apiKey: 0...5,
        InitProducerIdRequest.apiKey: 0...4,
        ProduceRequest.apiKey: 3...9,
    ]

    static let names: [Int16: String] = [
        ApiVersionsRequest.apiKey: "ApiVersions", MetadataRequest.apiKey: "Metadata", FetchRequest.apiKey: "Fetch",
        ListOffsetsRequest.apiKey: "ListOffsets", FindCoordinatorRequest.apiKey: "FindCoordinator",
        ListGroupsRequest.apiKey: "ListGroups", DescribeGroupsRequest.apiKey: "DescribeGroups",
        OffsetFetchRequest.apiKey: "OffsetFetch", OffsetCommitRequest.apiKey: "OffsetCommit",
        JoinGroupRequest.apiKey: "JoinGroup", SyncGroupRequest.apiKey: "SyncGroup", HeartbeatRequest.apiKey: "Heartbeat",
        LeaveGroupRequest.apiKey: "LeaveGroup", CreateTopicsRequest.apiKey: "CreateTopics",
        InitProducerIdRequest.apiKey: "InitProducerId", ProduceRequest.apiKey: "Produce",
    ]

    /// The highest version both sides speak; nil when the ranges do not meet.
    static func negotiate(_ apiKey: Int16, broker: ClosedRange<Int16>?) -> Int16? {
        guard let ours = table[apiKey], let broker, broker.overlaps(ours) else { return nil }
        return min(ours.upperBound, broker.upperBound)
    }

    static func unsupported(_ apiKey: Int16) -> String {
        let ours = table[apiKey].map { "v\($0.lowerBound)+" } ?? ""
        return "broker does not support \(names[apiKey] ?? "API \(apiKey)") \(ours)"
    }
}
