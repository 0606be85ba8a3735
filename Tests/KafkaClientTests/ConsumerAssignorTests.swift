import EventLog
import KafkaClient
import KafkaProtocol
import TestSupport
import XCTest

/// The classic assignors and the consumer protocol's bytes, without a broker: Kafka's documented
/// examples, then seeded random groups (the seed is printed; replay with REWIND_SEED).
final class ConsumerAssignorTests: XCTestCase {
    private func tp(_ topic: String, _ partition: Int32) -> TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// The examples of Kafka's RangeAssignor and RoundRobinAssignor javadoc: two consumers C0, C1
    /// subscribed to t0 and t1 of three partitions each.
    func testKafkasDocumentedExamples() {
        let members = [ConsumerAssignor.Member(memberId: "C1", topics: ["t0", "t1"]), ConsumerAssignor.Member(memberId: "C0", topics: ["t1", "t0"])]
        let counts: [String: Int32] = ["t0": 3, "t1": 3]
        let range = ConsumerAssignor.range.assign(members, partitionCounts: counts)
        XCTAssertEqual(range["C0"], [tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)])
        XCTAssertEqual(range["C1"], [tp("t0", 2), tp("t1", 2)])
        let roundRobin = ConsumerAssignor.roundrobin.assign(members, partitionCounts: counts)
        XCTAssertEqual(roundRobin["C0"], [tp("t0", 0), tp("t0", 2), tp("t1", 1)])
        XCTAssertEqual(roundRobin["C1"], [tp("t0", 1), tp("t1", 0), tp("t1", 2)])
    }

    /// For random groups: every partition of every subscribed topic goes to exactly one member that
    /// subscribes to it; range is balanced per topic, round robin overall when all subscribe to all;
    /// the answer does not depend on the order members arrive in.
    func testAssignmentsCoverEveryPartitionOnceAndBalance() {
        var random = SeededRandom.fromEnvironment()
        let topicNames = ["a", "b", "c", "d"]
        for round in 0..<500 {
            let memberCount = Int.random(in: 1...7, using: &random)
            let everyone = Bool.random(using: &random)
            let members = (0..<memberCount).map { index in
                ConsumerAssignor.Member(memberId: "m\(Int.random(in: 0...999, using: &random))-\(index)",
                                        topics: everyone ? topicNames : topicNames.filter { _ in Bool.random(using: &random) })
            }
            var counts: [String: Int32] = [:]
            for name in topicNames where Int.random(in: 0...4, using: &random) > 0 { counts[name] = Int32.random(in: 0...12, using: &random) }
            for assignor in ConsumerAssignor.allCases {
                let split = assignor.assign(members, partitionCounts: counts)
                let context = "seed \(random.seed) round \(round) \(assignor)"
                XCTAssertEqual(Set(split.keys), Set(members.map(\.memberId)), context)
                XCTAssertEqual(split, assignor.assign(members.reversed(), partitionCounts: counts), "order-independent: \(context)")
                var owners: [TopicPartition: String] = [:]
                for (member, partitions) in split {
                    let topics = members.first { $0.memberId == member }!.topics
                    for partition in partitions {
                        XCTAssertTrue(topics.contains(partition.topic), "assigned only what it subscribes to: \(context)")
                        XCTAssertNil(owners.updateValue(member, forKey: partition), "\(partition) assigned twice: \(context)")
                    }
                }
                let wanted = Set(counts.filter { name, _ in members.contains { $0.topics.contains(name) } }
                    .flatMap { name, count in (0..<count).map { tp(name, $0) } })
                XCTAssertEqual(Set(owners.keys), wanted, "every subscribed partition once: \(context)")
                switch assignor {
                case .range:
                    for (name, _) in counts {
                        let shares = members.filter { $0.topics.contains(name) }.map { member in split[member.memberId]!.filter { $0.topic == name }.count }
                        if let most = shares.max(), let least = shares.min() { XCTAssertLessThanOrEqual(most - least, 1, "\(name): \(context)") }
                    }
                case .roundrobin:
                    guard everyone else { break }
                    let shares = split.values.map(\.count)
                    XCTAssertLessThanOrEqual(shares.max()! - shares.min()!, 1, context)
                }
            }
        }
    }

    /// Subscriptions and assignments survive their bytes, and the bytes are the consumer protocol's:
    /// int16 version 0, then the schema's body, as the generated codec reads it.
    func testProtocolBytesRoundTripAndMatchTheSchema() throws {
        var random = SeededRandom.fromEnvironment()
        for _ in 0..<300 {
            let topics = (0..<Int.random(in: 0...5, using: &random)).map { _ in "t\(Int.random(in: 0...99, using: &random))" }
            let subscription = ConsumerAssignor.subscription(topics: topics)
            XCTAssertEqual(Array(subscription.prefix(2)), [0, 0])
            XCTAssertEqual(try ConsumerProtocolSubscription.decode(Array(subscription.dropFirst(2)), version: 0).topics, topics)
            XCTAssertEqual(try ConsumerAssignor.subscribedTopics(subscription), topics)
            let partitions = Set((0..<Int.random(in: 0...20, using: &random)).map { _ in
                tp("t\(Int.random(in: 0...3, using: &random))", Int32.random(in: 0...50, using: &random))
            }).sorted()
            let assignment = ConsumerAssignor.assignment(partitions)
            XCTAssertEqual(try ConsumerAssignor.assignedPartitions(assignment).sorted(), partitions, "seed \(random.seed)")
            // Every strict prefix is cut short: an error, never a crash or a wrong answer.
            for cut in 0..<assignment.count where cut != 0 {
                XCTAssertThrowsError(try ConsumerAssignor.assignedPartitions(Array(assignment.prefix(cut))), "cut at \(cut)")
            }
        }
    }

    /// A newer client's subscription (version 3: owned partitions, generation, rack) is read for its
    /// topics; a version above the schemas' too, its unknown tail ignored (Kafka's forward rule).
    func testNewerSubscriptionVersionsAreRead() throws {
        var subscription = ConsumerProtocolSubscription()
        subscription.topics = ["orders", "payments"]
        var owned = ConsumerProtocolSubscription.TopicPartition()
        owned.topic = "orders"
        owned.partitions = [1, 3]
        subscription.ownedPartitions = [owned]
        subscription.generationId = 7
        subscription.rackId = "rack-a"
        let v3 = subscription.encoded(version: 3)
        XCTAssertEqual(try ConsumerAssignor.subscribedTopics([0, 3] + v3), ["orders", "payments"])
        XCTAssertEqual(try ConsumerAssignor.subscribedTopics([0, 9] + v3 + [1, 2, 3, 4]), ["orders", "payments"])
        XCTAssertThrowsError(try ConsumerAssignor.subscribedTopics([0]))
        XCTAssertThrowsError(try ConsumerAssignor.subscribedTopics([0xFF, 0xFF] + v3), "negative version")
        XCTAssertEqual(try ConsumerAssignor.assignedPartitions([]), [], "a member given nothing")
    }
}
