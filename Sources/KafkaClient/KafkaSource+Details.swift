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
}
