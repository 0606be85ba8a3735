import Basics
import EventLog

/// What a Kafka cluster adds to the read path: leaders per partition, consumer groups and
/// their commits (stored by the cluster, so `consume --group` commits there).
extension KafkaSource {
    /// The brokers (node id = address) and each partition's leader node, compactly: a topic of
    /// 50 partitions stays one line per fact.
    public func topicDetails(_ topic: String) throws -> [SourceDetail] {
        let leaders = try cluster.partitions(of: topic, refresh: true)
        let brokers = cluster.brokers
        let nodes = brokers.keys.sorted().map { "\($0)=\(brokers[$0]!)" }.joined(separator: " ")
        let leading = leaders.keys.sorted().map { "p\($0)→\(leaders[$0]! < 0 ? "none" : "\(leaders[$0]!)")" }.joined(separator: " ")
        return [SourceDetail("brokers", nodes), SourceDetail("leaders", leading)]
    }

    /// Every group the brokers list, with the offsets it committed (groups with none included,
    /// empty, so `groups list` shows them).
    public func consumerGroups() throws -> [String: [TopicPartition: Offset]] {
        var groups: [String: [TopicPartition: Offset]] = [:]
        for listing in try cluster.listGroups() {
            var committed = try cluster.committedOffsets(listing.groupId)
            if let topic = url.topic { committed = committed.filter { $0.key.topic == topic } }
            groups[listing.groupId] = committed
        }
        return groups
    }

    public var canCommitGroups: Bool { true }

    /// A commit outside group membership (generation -1), as `kafka-consumer-groups --reset-offsets`
    /// does: the broker refuses it while the group has live members.
    public func commit(group: String, offsets: [TopicPartition: Offset]) throws {
        try cluster.commit(group, offsets)
    }

    /// `consume --group` without `--partition`: a member of the group's classic protocol, reading
    /// the partitions the group's leader gives it. With `--partition` the partitions are the
    /// reader's own choice (Kafka's `assign()`), so it commits outside membership, as above.
    public func joinGroup(_ group: String, topic: String, partitions: [Int32]?) throws -> any GroupMembership {
        if let partitions {
            return try StandaloneGroupMembership(source: self, group: group, partitions: partitions.map { TopicPartition(topic: topic, partition: $0) })
        }
        return try KafkaGroupMember(cluster: cluster, group: group, topics: [topic], options: memberOptions)
    }

    /// The coordinator's view: state, assignor and each live member with its partitions.
    public func groupDetails(_ group: String) throws -> [SourceDetail] {
        guard let described = try cluster.describeGroup(group) else { return [] }
        var details = [SourceDetail("state", described.state)]
        if !described.protocolType.isEmpty {
            details.append(SourceDetail("protocol", described.protocolType + (described.protocolName.isEmpty ? "" : "/" + described.protocolName)))
        }
        for member in described.members {
            let partitions = member.assignment.sorted().map { "\($0.topic)-\($0.partition)" }.joined(separator: " ")
            details.append(SourceDetail("member", "\(member.memberId) \(member.clientHost)  \(partitions.isEmpty ? "no partitions" : partitions)"))
        }
        return details
    }
}
