import EventLog
import Foundation
import Glibc
import Interop
import KafkaClient
import TestSupport
import XCTest

/// `consume --group G` over kafka:// as a member of the classic group protocol, against
/// `rewind serve` (its coordinator), with confluent-kafka as the independent member and reader.
final class KafkaGroupMembershipTests: XCTestCase {
    static let partitions = 4

    /// A program running in the background with its standard output in a file.
    final class Background {
        let process = Process()
        let outputPath = NSTemporaryDirectory() + "kgroup-\(UUID().uuidString).out"

        init(_ executable: String, _ arguments: [String]) throws {
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
            _ = FileManager.default.createFile(atPath: outputPath + ".err", contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardOutput = FileHandle(forWritingAtPath: outputPath)!
            process.standardError = FileHandle(forWritingAtPath: outputPath + ".err")!
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var lines: [String] { ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
        var errors: String { (try? String(contentsOfFile: outputPath + ".err", encoding: .utf8)) ?? "" }

        /// SIGTERM (what Ctrl-C's SIGINT also does: stop, commit, leave), then its exit status.
        func terminate() -> Int32 {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
            return process.terminationStatus
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: outputPath + ".err")
        }
    }

    private func rewindMember(_ broker: BrokerProcess, _ topic: String, _ group: String) throws -> Background {
        try Background(BrokerProcess.rewindBinary.path, ["consume", topic, "--dir", broker.url, "--group", group, "--follow"])
    }

    /// (partition, offset) of each JSON line rewind printed.
    private func records(_ lines: [String]) throws -> [String] {
        try lines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return "\(object["partition"] as! Int) \(object["offset"] as! Int)"
        }
    }

    /// Every (partition, offset) of the topic's first `count` records, as confluent-kafka's produce
    /// script spreads them (record i to partition i % partitions), produced `rounds` times.
    private func everyRecord(count: Int, rounds: Int) -> [String] {
        let perPartition = count / Self.partitions * rounds
        return (0..<Self.partitions).flatMap { partition in (0..<perPartition).map { "\(partition) \($0)" } }.sorted()
    }

    private func produce(_ broker: BrokerProcess, _ topic: String, _ count: Int) throws {
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, topic, "none", "\(count)", "\(Self.partitions)"]), "ok\n")
    }

    /// Waits until the coordinator describes `group` as Stable with `members` members whose
    /// assignments are disjoint, non-empty and together the whole topic; returns them by member id.
    @discardableResult
    private func waitForSplit(_ cluster: KafkaCluster, _ group: String, members: Int, _ what: String) throws -> [String: [TopicPartition]] {
        var last: KafkaCluster.GroupDescription?
        do {
            try waitUntil(timeoutSeconds: 30, what) {
                guard let described = try? cluster.describeGroup(group) else { return false }
                last = described
                let assigned = described.members.flatMap(\.assignment)
                return described.state == "Stable" && described.members.count == members && described.members.allSatisfy { !$0.assignment.isEmpty }
                    && assigned.count == Self.partitions && Set(assigned).count == Self.partitions
            }
        } catch {
            XCTFail("\(error): last described \(String(describing: last))")
            throw error
        }
        return Dictionary(uniqueKeysWithValues: last!.members.map { ($0.memberId, $0.assignment) })
    }

    private func cluster(_ broker: BrokerProcess) throws -> KafkaCluster {
        try KafkaCluster(url: try KafkaURL(parsing: broker.url), decompressor: KafkaCodecs())
    }

    /// (a) two followers split the partitions, each reading only its own; (e) `groups describe`
    /// shows both members while they run; (b) after one exits (SIGTERM: commit, LeaveGroup) the
    /// other is given every partition. Across both, every record is printed exactly once.
    func testTwoRewindMembersSplitThePartitionsAndOneTakesOverWhenTheOtherLeaves() throws {
        let broker = try BrokerProcess(.serve)
        let cluster = try cluster(broker)
        defer { cluster.close() }
        try produce(broker, "jobs", 40)
        let first = try rewindMember(broker, "jobs", "workers")
        try waitForSplit(cluster, "workers", members: 1, "the first member to own every partition")
        let second = try rewindMember(broker, "jobs", "workers")
        let split = try waitForSplit(cluster, "workers", members: 2, "two members with two partitions each")
        XCTAssertEqual(split.values.map(\.count).sorted(), [2, 2], "range over 4 partitions and 2 members")
        XCTAssertTrue(split.keys.allSatisfy { $0.hasPrefix("rewind-") }, "\(split.keys)")

        let described = try rewind(["groups", "describe", "workers", "--dir", broker.url])
        XCTAssertEqual(described.status, 0, described.stderr)
        XCTAssertTrue(described.stdout.contains("  state Stable"), described.stdout)
        XCTAssertTrue(described.stdout.contains("  protocol consumer/range"), described.stdout)
        for (member, partitions) in split {
            XCTAssertTrue(described.stdout.contains("  member \(member) /127.0.0.1  " + partitions.sorted().map { "jobs-\($0.partition)" }.joined(separator: " ")),
                          described.stdout)
        }

        // Records produced now go to both members, each reading only the partitions it owns.
        try produce(broker, "jobs", 40)
        try waitUntil(timeoutSeconds: 30, "80 records printed in all") { first.lines.count + second.lines.count >= 80 }
        let secondRecords = try records(second.lines)
        XCTAssertFalse(secondRecords.isEmpty, "the second member read its share")
        let secondPartitions = Set(secondRecords.map { $0.split(separator: " ")[0] })
        XCTAssertEqual(secondPartitions.count, 2, "the second member read exactly its two partitions: \(secondPartitions)")

        XCTAssertEqual(second.terminate(), 0, second.errors)
        try waitForSplit(cluster, "workers", members: 1, "the remaining member to be given every partition")
        try produce(broker, "jobs", 40)
        try waitUntil(timeoutSeconds: 30, "120 records printed in all") { first.lines.count + second.lines.count >= 120 }
        let lastRound = try records(first.lines).filter { Int($0.split(separator: " ")[1])! >= 20 }
        XCTAssertEqual(Set(lastRound.map { $0.split(separator: " ")[0] }).count, Self.partitions, "the first member now reads all four")
        XCTAssertEqual(first.terminate(), 0, first.errors)
        XCTAssertEqual(try (records(first.lines) + records(second.lines)).sorted(), everyRecord(count: 40, rounds: 3), "each record exactly once")
        XCTAssertNil(try cluster.describeGroup("workers")?.members.first, "both left the group")
        XCTAssertEqual(try cluster.committedOffsets("workers").values.map(\.rawValue).sorted(), [30, 30, 30, 30])
    }

    /// (c) confluent-kafka and rewind in one group share the partitions, whichever leads (the
    /// leader's assignor splits them: librdkafka's reads Rewind's subscription, Rewind's reads
    /// librdkafka's), and each record is read by one of them once.
    func testConfluentKafkaAndRewindShareAGroup() throws {
        let broker = try BrokerProcess(.serve)
        let cluster = try cluster(broker)
        defer { cluster.close() }
        try produce(broker, "orders", 40)
        for rewindLeads in [true, false] {
            let group = rewindLeads ? "led-by-rewind" : "led-by-librdkafka"
            let stop = NSTemporaryDirectory() + "kgroup-stop-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: stop) }
            let python = { try Background("/usr/bin/env", ["python3", "-c", GroupScripts.member, broker.bootstrap, group, "orders", stop]) }
            var members: [Background] = []
            members.append(try rewindLeads ? rewindMember(broker, "orders", group) : python())
            try waitForSplit(cluster, group, members: 1, "\(group): the first member alone")
            members.append(try rewindLeads ? python() : rewindMember(broker, "orders", group))
            let split = try waitForSplit(cluster, group, members: 2, "\(group): rewind and confluent-kafka sharing")
            XCTAssertEqual(split.values.map(\.count).sorted(), [2, 2], group)
            let (rewindMember, pythonMember) = rewindLeads ? (members[0], members[1]) : (members[1], members[0])
            try waitUntil(timeoutSeconds: 30, "\(group): the first 40 records read") {
                (try? records(rewindMember.lines).count + pythonMember.lines.filter { !$0.hasPrefix("assigned") }.count) ?? 0 >= 40
            }
            let pythonRecords = pythonMember.lines.filter { !$0.hasPrefix("assigned") }
            let rewindRecords = try records(rewindMember.lines)
            XCTAssertEqual((pythonRecords + rewindRecords).sorted(), everyRecord(count: 40, rounds: 1), "\(group): each record once")
            let lastAssigned = pythonMember.lines.last { $0.hasPrefix("assigned") } ?? ""
            let librdkafkaPartitions = Set(split.first { !$0.key.hasPrefix("rewind-") }!.value.map { "\($0.partition)" })
            XCTAssertEqual(Set(lastAssigned.split(separator: " ").dropFirst().map(String.init)), librdkafkaPartitions, "\(group): \(pythonMember.lines)")
            _ = FileManager.default.createFile(atPath: stop, contents: nil)
            pythonMember.process.waitUntilExit()
            XCTAssertEqual(pythonMember.process.terminationStatus, 0, pythonMember.errors)
            XCTAssertEqual(rewindMember.terminate(), 0, rewindMember.errors)
            XCTAssertEqual(try cluster.committedOffsets(group).values.map(\.rawValue).sorted(), [10, 10, 10, 10], group)
        }
    }

    /// A member that does not rejoin a rebalance in time is dropped by the coordinator; its commit,
    /// carrying the old generation and member id, is refused and moves nothing, and it must join
    /// again. (The consume loop rejoins within a heartbeat; this one is kept busy on purpose.)
    func testACommitFromAMemberTheGroupDroppedIsRefused() throws {
        let broker = try BrokerProcess(.serve)
        try produce(broker, "jobs", 40)
        let cluster = try cluster(broker)
        defer { cluster.close() }
        let first = TopicPartition(topic: "jobs", partition: 0)
        var quick = KafkaGroupMember.Options()
        quick.sessionTimeoutMs = 2_000
        quick.rebalanceTimeoutMs = 5_000
        quick.heartbeatIntervalMs = 300
        let stale = try KafkaGroupMember(cluster: cluster, group: "g", topics: ["jobs"], options: quick)
        defer { stale.leave() }
        XCTAssertEqual(stale.assignment.count, Self.partitions)
        XCTAssertTrue(try stale.commit([first: Offset(3)]))
        let joinedAt = Date()
        let fresh = try KafkaGroupMember(cluster: cluster, group: "g", topics: ["jobs"], options: quick)
        defer { fresh.leave() }
        XCTAssertGreaterThan(Date().timeIntervalSince(joinedAt), 1.5, "the join waited for the first member's session to expire")
        XCTAssertEqual(fresh.assignment.count, Self.partitions, "the dropped member's partitions too")
        XCTAssertTrue(stale.needsRejoin, "its heartbeats learned of the rebalance")
        XCTAssertTrue(try fresh.commit([first: Offset(5)]))
        XCTAssertFalse(try stale.commit([first: Offset(9)]), "no longer a member of the group's generation")
        XCTAssertEqual(try cluster.committedOffsets("g")[first], Offset(5))
        XCTAssertEqual(try cluster.describeGroup("g")?.members.map(\.memberId), [fresh.identity.memberId])
    }

    /// tansu 0.6 as the coordinator: a member joins (tansu takes seconds to answer a join),
    /// commits on `--max`, and the next member continues after those commits. (One member at a
    /// time: tansu's join latency makes a rebalance of several take tens of seconds.)
    func testAMemberOfATansuGroupResumesAfterItsCommits() throws {
        let broker = try BrokerProcess(.tansu)
        try produce(broker, "jobs", 40)
        let first = try rewind(["consume", "jobs", "--dir", broker.url, "--group", "g", "--max", "5"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let rest = try rewind(["consume", "jobs", "--dir", broker.url, "--group", "g"])
        XCTAssertEqual(rest.status, 0, rest.stderr)
        let read = try records(first.stdout.split(separator: "\n").map(String.init) + rest.stdout.split(separator: "\n").map(String.init))
        XCTAssertEqual(read.count, 40)
        XCTAssertEqual(read.sorted(), everyRecord(count: 40, rounds: 1))
        let cluster = try cluster(broker)
        defer { cluster.close() }
        XCTAssertEqual(try cluster.committedOffsets("g").values.map(\.rawValue), [10, 10, 10, 10])
    }

    /// (d) `--max N` reads N records, commits with its generation and member id, and leaves:
    /// confluent-kafka in the same group then resumes after them, so together they read each once.
    func testMaxCommitsAsAMemberAndConfluentKafkaResumesAfterIt() throws {
        let broker = try BrokerProcess(.serve)
        try produce(broker, "events", 100)
        let taken = try rewind(["consume", "events", "--dir", broker.url, "--group", "billing", "--max", "37"])
        XCTAssertEqual(taken.status, 0, taken.stderr)
        let first = try records(taken.stdout.split(separator: "\n").map(String.init))
        XCTAssertEqual(first.count, 37)
        let cluster = try cluster(broker)
        defer { cluster.close() }
        XCTAssertNil(try cluster.describeGroup("billing")?.members.first, "the member left on exit")
        let rest = try runPython(GroupScripts.resume, [broker.bootstrap, "billing", "events", "\(Self.partitions)"]).split(separator: "\n").map(String.init)
        XCTAssertEqual(rest.count, 63)
        XCTAssertEqual((first + rest).sorted(), everyRecord(count: 100, rounds: 1))
    }
}
