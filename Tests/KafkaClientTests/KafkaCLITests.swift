import EventLog
import Foundation
import Glibc
import Interop
import KafkaClient
import TestSupport
import XCTest

/// The real `rewind` binary over `--dir kafka://…`: the commands users run, against real brokers.
final class KafkaCLITests: XCTestCase {
    private var scratch: [String] = []

    override func tearDown() {
        for path in scratch { try? FileManager.default.removeItem(atPath: path) }
        super.tearDown()
    }

    private func temporaryLog() -> String {
        let path = NSTemporaryDirectory() + "kclient-log-\(UUID().uuidString)"
        scratch.append(path)
        return path
    }

    @discardableResult
    private func succeed(_ arguments: [String]) throws -> String {
        let result = try rewind(arguments)
        XCTAssertEqual(result.status, 0, "rewind \(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    /// A generated bank topic in an embedded log.
    private func bankLog(events: Int) throws -> String {
        let directory = temporaryLog()
        try succeed(["generate", "bank", "--dir", directory, "--events", "\(events)", "--partitions", "3", "--seed", "11"])
        return directory
    }

    /// Views and `--at` over kafka:// equal those over the embedded topic that was mirrored, and
    /// consume prints the same events (watermarks and time lookups: `rewind serve`).
    func testViewsAndAtOverKafkaEqualTheMirroredTopic() throws {
        let broker = try BrokerProcess(.serve)
        let local = try bankLog(events: 5_000)
        let mirrored = try succeed(["mirror", "payments", "--dir", local, "--to", broker.url + "/pay"])
        XCTAssertTrue(mirrored.hasPrefix("mirrored 5000 events"), mirrored)
        // Absolute times (epoch ms), fixed once: "-1d" read by two processes a moment apart can
        // fall on either side of an event the generator wrote about a day ago.
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let dayAgo = "\(nowMs - 86_400_000)"
        for at in [[], ["--at", "\(nowMs - 2 * 86_400_000)"], ["--at", dayAgo], ["--at", "\(nowMs - 6 * 3_600_000)"]] {
            let embedded = try succeed(["view", "balances", "payments", "--dir", local] + at)
            let remote = try succeed(["view", "balances", "pay", "--dir", broker.url] + at)
            XCTAssertEqual(remote, embedded, "view balances \(at)")
            XCTAssertFalse(embedded.isEmpty)
        }
        let count = try succeed(["view", "count by type", "payments", "--dir", local])
        XCTAssertEqual(try succeed(["view", "count by type", "pay", "--dir", broker.url]), count)
        // consume --at: the same events from the same partitions and offsets (topic names differ).
        let embedded = try succeed(["consume", "payments", "--dir", local, "--at", dayAgo, "--max", "200"])
        let remote = try succeed(["consume", "pay", "--dir", broker.url, "--at", dayAgo, "--max", "200"])
        XCTAssertEqual(remote.replacingOccurrences(of: "\"topic\":\"pay\"", with: "\"topic\":\"payments\""), embedded)
        XCTAssertEqual(embedded.split(separator: "\n").count, 200)
    }

    /// topics, groups (--json) and import over kafka://, after confluent-kafka produced and committed.
    func testTopicsGroupsAndImportOverKafka() throws {
        for kind in [BrokerProcess.Kind.serve, .tansu] {
            let broker = try BrokerProcess(kind)
            XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "orders", "snappy", "90", "3"]), "ok\n")
            XCTAssertEqual(try runPython(ProducerScripts.commitGroup, [broker.bootstrap, "billing", "orders", "0:4", "2:9"]), "ok\n")
            XCTAssertTrue(try succeed(["topics", "list", "--dir", broker.url]).split(separator: "\n").contains("orders"), "\(kind)")
            XCTAssertTrue(try succeed(["groups", "list", "--dir", broker.url]).split(separator: "\n").contains("billing"), "\(kind)")
            let described = try succeed(["topics", "describe", "orders", "--dir", broker.url])
            XCTAssertTrue(described.contains("=\(broker.bootstrap)") && described.contains("leaders p0→"), "\(kind): \(described)")
            if kind == .serve {
                // One broker, node 0 (tansu numbers its node 111): it leads every partition.
                XCTAssertTrue(described.contains("brokers 0=\(broker.bootstrap)  leaders p0→0 p1→0 p2→0"), described)
                XCTAssertTrue(described.contains("orders-1  offsets 0..<30  events 30"), described)
                XCTAssertTrue(described.contains("time 2023-11-14T22:13:21.000Z .. 2023-11-14T22:14:48.000Z"), described)
            }
            let lines = try succeed(["groups", "describe", "billing", "--dir", broker.url, "--json"]).split(separator: "\n")
            let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            XCTAssertEqual(objects.map { $0["partition"] as? Int }, [0, 2], "\(kind)")
            XCTAssertEqual(objects.map { $0["committed"] as? Int }, [4, 9], "\(kind)")
            if kind == .serve { XCTAssertEqual(objects.map { $0["lag"] as? Int }, [26, 21]) }
            let copy = temporaryLog()
            XCTAssertTrue(try succeed(["import", broker.url + "/orders", "--topic", "copy", "--dir", copy]).hasPrefix("imported 90 events"), "\(kind)")
            let events = try succeed(["consume", "copy", "--dir", copy, "--partition", "1"]).split(separator: "\n")
            XCTAssertEqual(events.count, 30)
            let first = try JSONSerialization.jsonObject(with: Data(events[0].utf8)) as! [String: Any]
            XCTAssertEqual(first["offset"] as? Int, 0)
            XCTAssertEqual(first["key"] as? String, "k1")
            XCTAssertEqual(first["timestamp"] as? Int, Int(ProducerScripts.baseTimestampMs) + 1000)
            let second = try JSONSerialization.jsonObject(with: Data(events[1].utf8)) as! [String: Any]
            XCTAssertEqual((second["headers"] as? [[Any]])?.first?.first as? String, "h", "\(kind): record 4's headers kept")
        }
    }

    /// A topic of many Fetches (8 MiB each, the next one sent while the last is printed) consumes
    /// to the same lines over kafka:// as from the embedded topic it was mirrored from.
    func testConsumeOverManyFetchesEqualsTheEmbeddedTopic() throws {
        let broker = try BrokerProcess(.serve)
        let local = temporaryLog()
        try succeed(["generate", "bank", "--dir", local, "--events", "250000", "--partitions", "2", "--seed", "5"])
        XCTAssertTrue(try succeed(["mirror", "payments", "--dir", local, "--to", broker.url]).hasPrefix("mirrored 250000 events"))
        let embedded = try succeed(["consume", "payments", "--dir", local])
        // The lines are larger than the records on the wire, by less than half.
        XCTAssertGreaterThan(embedded.utf8.count, 2 * 2 * Int(KafkaClientLimits.fetchPartitionBytesMax), "several Fetches per partition")
        XCTAssertEqual(try succeed(["consume", "payments", "--dir", broker.url]), embedded)
        XCTAssertEqual(try succeed(["consume", "payments", "--dir", broker.url, "--partition", "1", "--offset", "90000"]),
                       try succeed(["consume", "payments", "--dir", local, "--partition", "1", "--offset", "90000"]))
    }

    /// consume --group commits to the cluster: a second run continues where the first stopped.
    func testConsumeGroupCommitsToTheCluster() throws {
        let broker = try BrokerProcess(.serve)
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "jobs", "none", "20", "1"]), "ok\n")
        let first = try succeed(["consume", "jobs", "--dir", broker.url, "--group", "workers", "--max", "12"]).split(separator: "\n")
        let second = try succeed(["consume", "jobs", "--dir", broker.url, "--group", "workers"]).split(separator: "\n")
        XCTAssertEqual(first.count, 12)
        XCTAssertEqual(second.count, 8)
        XCTAssertTrue(second.first?.contains("\"offset\":12") ?? false, "\(second.first ?? "")")
        let cluster = try KafkaCluster(url: try KafkaURL(parsing: broker.url), decompressor: KafkaCodecs())
        defer { cluster.close() }
        XCTAssertEqual(try cluster.committedOffsets("workers"), [TopicPartition(topic: "jobs", partition: 0): Offset(20)])
    }

    /// A mirror read back by confluent-kafka exactly once; then kill -9 of a mirror mid-way and a
    /// re-run: still every event exactly once, in order, per partition.
    func testMirrorIsExactlyOnceAcrossKillAndRerun() throws {
        let broker = try BrokerProcess(.serve)
        let local = try bankLog(events: 150_000)
        let process = Process()
        process.executableURL = BrokerProcess.rewindBinary
        process.arguments = ["mirror", "payments", "--dir", local, "--to", broker.url + "/pay"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let cluster = try KafkaCluster(url: try KafkaURL(parsing: broker.url), decompressor: KafkaCodecs())
        defer { cluster.close() }
        try waitUntil(timeoutSeconds: 60, "the mirror to write some records") {
            let written = (try? (0..<3).map { try cluster.listOffset(TopicPartition(topic: "pay", partition: $0), .latest)?.rawValue ?? 0 }.reduce(0, +)) ?? 0
            return written > 0 || !process.isRunning
        }
        XCTAssertTrue(process.isRunning, "the mirror ended before it could be killed: make the topic bigger")
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try (0..<3).map { try cluster.listOffset(TopicPartition(topic: "pay", partition: $0), .latest)?.rawValue ?? 0 }.reduce(0, +)
        XCTAssertLessThan(partial, 150_000, "killed mid-way")
        let rerun = try succeed(["mirror", "payments", "--dir", local, "--to", broker.url + "/pay"])
        XCTAssertTrue(rerun.contains("(\(partial) already there)"), rerun)
        try assertConfluentReadsExactly(broker, "pay", as: local, "payments")
        XCTAssertTrue(try succeed(["mirror", "payments", "--dir", local, "--to", broker.url + "/pay"]).hasPrefix("mirrored 0 events"))
    }

    /// The same into tansu: created there with three partitions, read back once.
    func testMirrorIntoTansu() throws {
        let broker = try BrokerProcess(.tansu)
        let local = try bankLog(events: 3_000)
        XCTAssertTrue(try succeed(["mirror", "payments", "--dir", local, "--to", broker.url]).hasPrefix("mirrored 3000 events"))
        try assertConfluentReadsExactly(broker, "payments", as: local, "payments")
    }

    /// A target that holds other records is refused before anything is written.
    func testMirrorRefusesATargetItDidNotWrite() throws {
        let broker = try BrokerProcess(.serve)
        XCTAssertEqual(try runPython(ProducerScripts.produce, [broker.bootstrap, "other", "none", "9", "3"]), "ok\n")
        let local = try bankLog(events: 100)
        let result = try rewind(["mirror", "payments", "--dir", local, "--to", broker.url + "/other"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("not a mirror of it"), result.stderr)
        let cluster = try KafkaCluster(url: try KafkaURL(parsing: broker.url), decompressor: KafkaCodecs())
        defer { cluster.close() }
        XCTAssertEqual(try cluster.listOffset(TopicPartition(topic: "other", partition: 0), .latest), Offset(3))
    }

    /// confluent-kafka's reading of `topic` equals the embedded topic: per partition the same
    /// offsets, keys, values and timestamps, each once.
    private func assertConfluentReadsExactly(_ broker: BrokerProcess, _ topic: String, as local: String, _ localTopic: String,
                                             file: StaticString = #filePath, line: UInt = #line) throws {
        let lines = try runPython(ProducerScripts.readAll, [broker.bootstrap, topic, "3"]).split(separator: "\n")
        let log = try EventLog.open(local, mode: .readOnly)
        defer { log.close() }
        var expected: [String] = []
        for partition in Int32(0)..<3 {
            let tp = TopicPartition(topic: localTopic, partition: partition)
            for record in try log.read(tp, from: .zero, maxRecords: .max) {
                let key = record.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
                let value = record.value.map { String(decoding: $0, as: UTF8.self) } ?? ""
                expected.append("\(partition) \(record.offset.rawValue) \(key) \(value) \(record.timestamp.milliseconds)")
            }
        }
        XCTAssertEqual(lines.count, expected.count, "records read back", file: file, line: line)
        XCTAssertEqual(lines.map(String.init).sorted(), expected.sorted(), file: file, line: line)
    }
}

/// A cluster's `_schemas` topic decodes Avro values as a captured one does: the shared capture's
/// `_schemas` and `payments-avro` mirrored into `rewind serve`, then consumed over kafka://.
final class KafkaSchemasTests: XCTestCase {
    static let testData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/testdata/kafka").standardized.path

    func testSchemasTopicOnTheClusterDecodesAvroValues() throws {
        let broker = try BrokerProcess(.serve)
        for topic in ["_schemas", "payments-avro"] {
            let mirrored = try rewind(["mirror", topic, "--dir", Self.testData, "--to", broker.url])
            XCTAssertEqual(mirrored.status, 0, mirrored.stderr)
        }
        let captured = try rewind(["consume", "payments-avro", "--dir", Self.testData])
        let remote = try rewind(["consume", "payments-avro", "--dir", broker.url])
        XCTAssertEqual(remote.status, 0, remote.stderr)
        XCTAssertEqual(remote.stdout.split(separator: "\n").count, 47)
        XCTAssertEqual(remote.stdout, captured.stdout)
        XCTAssertTrue(remote.stdout.contains("\"value\":{"), "values decoded to JSON objects: \(remote.stdout.prefix(300))")
    }
}
