import Basics
import EventLog
import KafkaProtocol

/// Consumer groups: listing (every broker lists the groups it coordinates), description and
/// committed offsets from the group's coordinator, commits.
extension KafkaCluster {
    public struct GroupListing: Sendable, Equatable {
        public var groupId: String
        public var protocolType: String
        /// Empty when the broker's ListGroups version has no state (v4+ has it).
        public var state: String
    }

    public struct GroupMember: Sendable, Equatable {
        public var memberId: String
        public var clientId: String
        public var clientHost: String
        /// The partitions the leader assigned this member (consumer protocol), when it decodes.
        public var assignment: [TopicPartition]
    }

    public struct GroupDescription: Sendable, Equatable {
        public var groupId: String
        public var state: String
        public var protocolType: String
        public var protocolName: String
        public var members: [GroupMember]
    }

    public func listGroups() throws -> [GroupListing] {
        if brokers.isEmpty { try refreshMetadata(topics: nil) }
        var seen: [String: GroupListing] = [:]
        for address in Set(brokers.values) {
            let (response, version) = try connection(to: address).send(ListGroupsRequest(), ListGroupsResponse.self)
            guard response.errorCode == 0 else {
                throw KafkaClientError(.broker, "ListGroups failed: \(KafkaErrorName.describe(response.errorCode))", target: KafkaURL.scheme + address.description,
                                       kafkaErrorCode: response.errorCode)
            }
            for group in response.groups {
                seen[group.groupId] = GroupListing(groupId: group.groupId, protocolType: group.protocolType, state: version >= 4 ? group.groupState : "")
            }
        }
        return seen.values.sorted { $0.groupId < $1.groupId }
    }

    /// The group's coordinator (FindCoordinator, key type 0 = group).
    func coordinator(of group: String) throws -> BrokerConnection {
        try connection(to: try coordinatorAddress(of: group))
    }

    /// Where the group's coordinator listens; retried while the cluster elects or loads one.
    func coordinatorAddress(of group: String) throws -> KafkaURL.Address {
        try retrying(topic: nil) {
            var request = FindCoordinatorRequest()
            request.key = group
            request.keyType = 0
            let (response, _) = try anyConnection().send(request, FindCoordinatorResponse.self)
            guard response.errorCode == 0 else {
                let code = response.errorCode
                throw KafkaClientError(.broker, "FindCoordinator for group '\(group)' failed: \(KafkaErrorName.describe(code))", target: url.cluster,
                                       kafkaErrorCode: code == KafkaErrorName.coordinatorNotAvailable || code == KafkaErrorName.coordinatorLoadInProgress
                                           ? KafkaErrorName.leaderNotAvailable : code)
            }
            return KafkaURL.Address(host: response.host, port: Int(response.port))
        }
    }

    /// nil when the cluster has no such group (Kafka answers state "Dead").
    public func describeGroup(_ group: String) throws -> GroupDescription? {
        var request = DescribeGroupsRequest()
        request.groups = [group]
        let (response, _) = try coordinator(of: group).send(request, DescribeGroupsResponse.self)
        guard let described = response.groups.first(where: { $0.groupId == group }) else { return nil }
        if described.errorCode == KafkaErrorName.groupIdNotFound || described.groupState == "Dead" { return nil }
        guard described.errorCode == 0 else {
            throw KafkaClientError(.broker, "DescribeGroups failed: \(KafkaErrorName.describe(described.errorCode))", target: "group '\(group)'",
                                   kafkaErrorCode: described.errorCode)
        }
        let members = described.members.map { member in
            GroupMember(memberId: member.memberId, clientId: member.clientId, clientHost: member.clientHost,
                        assignment: Self.assignedPartitions(member.memberAssignment))
        }
        return GroupDescription(groupId: group, state: described.groupState, protocolType: described.protocolType,
                                protocolName: described.protocolData, members: members)
    }

    /// Every offset `group` committed (OffsetFetch with null topics), by partition.
    public func committedOffsets(_ group: String) throws -> [TopicPartition: Offset] {
        var request = OffsetFetchRequest()
        request.groupId = group
        request.topics = nil
        let response: OffsetFetchResponse
        do {
            response = try coordinator(of: group).send(request, OffsetFetchResponse.self).0
        } catch let error as KafkaClientError where error.code == .protocolViolation {
            // tansu 0.6 answers "every topic" (null) with a null topic array, which v1–7 forbid:
            // name every topic and partition instead.
            request.topics = try topicNames().map { name in
                var topic = OffsetFetchRequest.OffsetFetchRequestTopic()
                topic.name = name
                topic.partitionIndexes = try partitions(of: name).keys.sorted()
                return topic
            }
            response = try coordinator(of: group).send(request, OffsetFetchResponse.self).0
        }
        guard response.errorCode == 0 else {
            throw KafkaClientError(.broker, "OffsetFetch failed: \(KafkaErrorName.describe(response.errorCode))", target: "group '\(group)'",
                                   kafkaErrorCode: response.errorCode)
        }
        var offsets: [TopicPartition: Offset] = [:]
        for topic in response.topics {
            for partition in topic.partitions where partition.errorCode == 0 && partition.committedOffset >= 0 {
                offsets[TopicPartition(topic: topic.name, partition: partition.partitionIndex)] = Offset(partition.committedOffset)
            }
        }
        return offsets
    }

    /// Commits `offsets` (the next offset to read, as Kafka) for `group`; generation -1 and an
    /// empty member id commit outside group membership, which Kafka accepts for an empty group.
    public func commit(_ group: String, _ offsets: [TopicPartition: Offset]) throws {
        try commit(group, offsets, generation: -1, memberId: "", over: try coordinator(of: group))
    }

    /// A member's commit (its generation and id) over its own coordinator connection.
    func commit(_ group: String, _ offsets: [TopicPartition: Offset], generation: Int32, memberId: String, over connection: BrokerConnection) throws {
        guard !offsets.isEmpty else { return }
        var request = OffsetCommitRequest()
        request.groupId = group
        request.generationIdOrMemberEpoch = generation
        request.memberId = memberId
        let byTopic = Dictionary(grouping: offsets.keys, by: \.topic)
        request.topics = byTopic.keys.sorted().map { name in
            var topic = OffsetCommitRequest.OffsetCommitRequestTopic()
            topic.name = name
            topic.partitions = byTopic[name]!.sorted { $0.partition < $1.partition }.map { partition in
                var entry = OffsetCommitRequest.OffsetCommitRequestTopic.OffsetCommitRequestPartition()
                entry.partitionIndex = partition.partition
                entry.committedOffset = offsets[partition]!.rawValue
                return entry
            }
            return topic
        }
        let (response, _) = try connection.send(request, OffsetCommitResponse.self)
        for topic in response.topics {
            for partition in topic.partitions where partition.errorCode != 0 {
                throw KafkaClientError(.broker, "OffsetCommit of \(topic.name)-\(partition.partitionIndex) failed: \(KafkaErrorName.describe(partition.errorCode))",
                                       target: "group '\(group)'", kafkaErrorCode: partition.errorCode)
            }
        }
    }

    /// The consumer protocol's assignment bytes; nothing when they do not decode (another protocol type).
    static func assignedPartitions(_ bytes: [UInt8]) -> [TopicPartition] {
        (try? ConsumerAssignor.assignedPartitions(bytes)) ?? []
    }
}
