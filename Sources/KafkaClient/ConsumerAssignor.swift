import Basics
import EventLog
import KafkaProtocol

/// The two classic assignors every Kafka client speaks (protocol type "consumer"): the group's
/// leader runs one over every member's subscription and hands each its partitions in SyncGroup.
/// Names and rules are Kafka's, so a group that mixes Rewind with librdkafka or the Java client
/// gets the same split whichever member leads:
///
/// - `range`: per topic, the partitions in order split into contiguous runs over the members that
///   subscribe to it, sorted by member id; the first `partitions % members` get one extra.
/// - `roundrobin`: every (topic, partition) of every subscribed topic, sorted, dealt one at a time
///   to the members sorted by id, skipping members that do not subscribe to that topic.
///
/// Pure: the leader's inputs are parameters, the answer depends on nothing else.
public enum ConsumerAssignor: String, CaseIterable, Sendable {
    case range
    case roundrobin

    /// A member as the leader sees it in JoinGroup: its id and the topics it subscribes to.
    public struct Member: Sendable, Equatable {
        public var memberId: String
        public var topics: [String]
        public init(memberId: String, topics: [String]) {
            self.memberId = memberId
            self.topics = topics
        }
    }

    /// Each member's partitions; every member appears, possibly with none. `partitionCounts`
    /// names the partitions of each subscribed topic (a topic the cluster does not have: absent).
    public func assign(_ members: [Member], partitionCounts: [String: Int32]) -> [String: [TopicPartition]] {
        var result = Dictionary(uniqueKeysWithValues: members.map { ($0.memberId, [TopicPartition]()) })
        let sorted = members.sorted { $0.memberId < $1.memberId }
        let topics = Set(members.flatMap(\.topics)).filter { partitionCounts[$0] != nil }.sorted()
        switch self {
        case .range:
            for topic in topics {
                let subscribers = sorted.filter { $0.topics.contains(topic) }
                let count = Int(partitionCounts[topic]!)
                let each = count / subscribers.count, extra = count % subscribers.count
                var next = 0
                for (index, member) in subscribers.enumerated() {
                    let take = each + (index < extra ? 1 : 0)
                    result[member.memberId]! += (next..<next + take).map { TopicPartition(topic: topic, partition: Int32($0)) }
                    next += take
                }
            }
        case .roundrobin:
            var turn = 0
            for topic in topics {
                for partition in 0..<partitionCounts[topic]! {
                    // Bounded: at least one member subscribes to `topic`, so one lap finds it.
                    for _ in 0..<sorted.count {
                        let member = sorted[turn % sorted.count]
                        turn += 1
                        if member.topics.contains(topic) {
                            result[member.memberId]!.append(TopicPartition(topic: topic, partition: partition))
                            break
                        }
                    }
                }
            }
        }
        return result
    }

    // MARK: The consumer protocol's bytes (int16 version, then the versioned body)

    /// Rewind's JoinGroup metadata: ConsumerProtocolSubscription v0 (topics, no user data). v0
    /// because eager rebalancing needs no owned partitions (v1) and no generation (v2).
    public static func subscription(topics: [String]) -> [UInt8] {
        var subscription = ConsumerProtocolSubscription()
        subscription.topics = topics
        return versioned(0, subscription.encoded(version: 0))
    }

    /// The topics of a member's subscription, of any version a client writes: newer versions only
    /// append fields, so a version above the schemas' is read as the highest known (Kafka's rule).
    public static func subscribedTopics(_ bytes: [UInt8]) throws -> [String] {
        let (version, body) = try split(bytes, "subscription")
        var reader = KafkaReader(body)
        let known = min(version, ConsumerProtocolSubscription.validVersions.upperBound)
        return try ConsumerProtocolSubscription(from: &reader, version: known).topics
    }

    public static func assignment(_ partitions: [TopicPartition]) -> [UInt8] {
        var assignment = ConsumerProtocolAssignment()
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        assignment.assignedPartitions = byTopic.keys.sorted().map { topic in
            var entry = ConsumerProtocolAssignment.TopicPartition()
            entry.topic = topic
            entry.partitions = byTopic[topic]!.map(\.partition).sorted()
            return entry
        }
        return versioned(0, assignment.encoded(version: 0))
    }

    /// The partitions of an assignment; empty bytes (a member the leader gave nothing) are none.
    public static func assignedPartitions(_ bytes: [UInt8]) throws -> [TopicPartition] {
        if bytes.isEmpty { return [] }
        let (version, body) = try split(bytes, "assignment")
        var reader = KafkaReader(body)
        let known = min(version, ConsumerProtocolAssignment.validVersions.upperBound)
        let assignment = try ConsumerProtocolAssignment(from: &reader, version: known)
        return assignment.assignedPartitions.flatMap { topic in topic.partitions.map { TopicPartition(topic: topic.topic, partition: $0) } }
    }

    private static func versioned(_ version: Int16, _ body: [UInt8]) -> [UInt8] {
        [UInt8(truncatingIfNeeded: UInt16(bitPattern: version) >> 8), UInt8(truncatingIfNeeded: UInt16(bitPattern: version))] + body
    }

    private static func split(_ bytes: [UInt8], _ what: String) throws -> (Int16, [UInt8]) {
        guard bytes.count >= 2 else { throw KafkaClientError(.protocolViolation, "consumer-protocol \(what) of \(bytes.count) bytes has no version") }
        let version = Int16(bitPattern: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        guard version >= 0 else { throw KafkaClientError(.protocolViolation, "consumer-protocol \(what) version \(version) is negative") }
        return (version, Array(bytes[2...]))
    }
}
