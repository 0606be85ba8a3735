import EventLog
import Foundation
import LogSources
@testable import NATS
import Projections
import TestSupport
import XCTest

/// Rewind against a real nats-server, checked by an independent client (nats-py).
final class JetStreamInteropTests: XCTestCase {
    var directory: TemporaryDirectory!
    var server: NATSServerProcess!

    override func setUpWithError() throws {
        try NATSServerProcess.require()
        directory = try TemporaryDirectory("rewind-nats")
        server = try NATSServerProcess(name: "solo", directory: directory.path)
    }

    override func tearDown() {
        server?.kill()
        directory?.remove()
    }

    struct Published: Decodable {
        var seq: Int64
        var subject: String
        var headers: [[String]]
        var payload: String
        var time: String
    }

    func testEveryMessagePublishedByNatsPyReadsBackExactly() throws {
        try requireNatsPy()
        let output = try runPython(PythonScripts.publish, [server.url, "ORDERS", "600"])
        let published = try output.split(separator: "\n").map { try JSONDecoder().decode(Published.self, from: Data($0.utf8)) }
        XCTAssertEqual(published.count, 600)

        let source = try JetStreamSource(url: try NATSURL(parsing: server.url + "/ORDERS"))
        defer { source.close() }
        let partition = TopicPartition(topic: "ORDERS", partition: 0)
        XCTAssertEqual(try source.startOffset(of: partition), Offset(1))
        XCTAssertEqual(try source.endOffset(of: partition), Offset(601))
        // Forward reads in uneven chunks (a pull consumer reused), then direct gets.
        var records: [Record] = []
        var position = try source.startOffset(of: partition)
        for chunk in [1, 99, 250, 1000] {
            let batch = try source.read(partition, from: position, maxRecords: chunk)
            records += batch
            if let last = batch.last { position = last.offset.advanced(by: 1) }
        }
        XCTAssertEqual(records.count, 600)
        for (record, expected) in zip(records, published) {
            XCTAssertEqual(record.offset.rawValue, expected.seq)
            XCTAssertEqual(record.key.map { String(decoding: $0, as: UTF8.self) }, expected.subject)
            XCTAssertEqual(record.value ?? [], Array(Data(base64Encoded: expected.payload)!), "seq \(expected.seq)")
            XCTAssertEqual(record.headers.map { [$0.key, String(decoding: $0.value ?? [], as: UTF8.self)] }, expected.headers, "seq \(expected.seq)")
            XCTAssertEqual(record.timestamp.milliseconds, RFC3339.nanoseconds(expected.time)! / 1_000_000, "seq \(expected.seq)")
        }
        let direct = try source.read(partition, from: Offset(300), maxRecords: 3)
        XCTAssertEqual(direct, Array(records[299..<302]))

        // Seek by time lands on the first message stored at or after the time.
        let middle = records[400].timestamp
        let found = try source.offset(forTimestamp: middle, in: partition)
        XCTAssertEqual(found, records.first { $0.timestamp >= middle }!.offset)
        XCTAssertEqual(try source.offset(forTimestamp: Timestamp(milliseconds: 0), in: partition), Offset(1))
        XCTAssertEqual(try source.offset(forTimestamp: records.last!.timestamp.adding(milliseconds: 60_000), in: partition), Offset(601))

        // Import into the embedded log keeps offsets, times, keys, headers and values.
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.importTopic("orders", config: TopicConfig(partitions: 1)) { staged in
            XCTAssertEqual(try SourceCopy.copy(from: source, partition, start: Offset(1), into: staged.partition(0)), 600)
        }
        let imported = try log.partition(TopicPartition(topic: "orders", partition: 0)).read(from: .zero, maxRecords: 1000)
        XCTAssertEqual(imported.map(\.offset), records.map(\.offset))
        XCTAssertEqual(imported.map(\.timestamp), records.map(\.timestamp))
        XCTAssertEqual(imported.map(\.key), records.map(\.key))
        XCTAssertEqual(imported.map(\.value), records.map(\.value))
        XCTAssertEqual(imported.map(\.headers), records.map(\.headers))
    }

    func testMirrorIsReadBackByNatsPyAndNeverDuplicates() throws {
        try requireNatsPy()
        let log = try Self.bankLog(directory.appending("bank"), events: 5_000, partitions: 3)
        defer { log.close() }
        let connection = try NATSConnection(url: try NATSURL(parsing: server.url))
        defer { connection.close() }
        let jetStream = JetStream(connection: connection)
        let mirror = JetStreamMirror(jetStream: jetStream, stream: "PAYMENTS", subjectPrefix: "payments")
        mirror.windowMessages = 512
        try mirror.createStreamIfMissing(replicas: 1)
        let first = try mirror.mirror(log: log, topic: "payments", now: Self.seconds)
        XCTAssertEqual(first.published, 5_000)
        // A re-run adds nothing: it resumes at the end, and the re-sent window is dropped as duplicates.
        let second = try mirror.mirror(log: log, topic: "payments", now: Self.seconds)
        XCTAssertEqual(second.published, 0)
        XCTAssertEqual(second.skipped + second.duplicates, 5_000)
        XCTAssertEqual(try jetStream.streamInfo("PAYMENTS").state.messages, 5_000)
        // New events in the topic: a re-run publishes just those (after the window it re-sends).
        let later = (0..<300).map { index in
            ProducerRecord(key: Array("late\(index % 7)".utf8), value: Array("{\"type\":\"deposit\",\"account\":\"late\(index % 7)\",\"amount\":1}".utf8),
                           headers: [Header(key: "event-id", value: Array("late\(index)".utf8))], timestamp: Timestamp(milliseconds: 1_800_000_000_000 + Int64(index)))
        }
        _ = try log.append(later, to: "payments", partition: 1)
        let third = try mirror.mirror(log: log, topic: "payments", now: Self.seconds)
        XCTAssertEqual(third.published, 300)
        XCTAssertEqual(third.duplicates, 512, "the window before the resume point is re-sent and dropped")
        XCTAssertEqual(try jetStream.streamInfo("PAYMENTS").state.messages, 5_300)

        let lines = try runPython(PythonScripts.read, [server.url, "PAYMENTS"]).split(separator: "\n")
        struct Read: Decodable { var seq: Int64; var subject: String; var headers: [[String]]; var payload: String }
        let read = try lines.map { try JSONDecoder().decode(Read.self, from: Data($0.utf8)) }
        let merged = MergedCursor(try log.partitions(of: "payments").map { PartitionCursor(partition: $0, from: .zero) })
        var expected: [(TopicPartition, Record)] = []
        while let next = try merged.next() { expected.append(next) }
        XCTAssertEqual(read.count, expected.count)
        for (index, (message, (partition, record))) in zip(read, expected).enumerated() {
            XCTAssertEqual(message.seq, Int64(index + 1))
            XCTAssertEqual(message.subject, JetStreamMirror.subject(prefix: "payments", key: record.key))
            XCTAssertEqual(Array(Data(base64Encoded: message.payload)!), record.value ?? [])
            let headers = Dictionary(message.headers.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
            XCTAssertEqual(headers["Nats-Msg-Id"], JetStreamMirror.messageID(partition, record.offset))
            XCTAssertEqual(headers["Rewind-Timestamp"], String(record.timestamp.milliseconds))
            for header in record.headers { XCTAssertEqual(headers[header.key], header.value.map { String(decoding: $0, as: UTF8.self) }) }
        }
    }

    func testViewOverTheStreamEqualsTheViewOverTheMirroredTopic() throws {
        let log = try Self.bankLog(directory.appending("bank"), events: 8_000, partitions: 3)
        defer { log.close() }
        let url = try NATSURL(parsing: server.url + "/PAYMENTS")
        let connection = try NATSConnection(url: url)
        defer { connection.close() }
        let mirror = JetStreamMirror(jetStream: JetStream(connection: connection), stream: "PAYMENTS", subjectPrefix: "payments")
        try mirror.createStreamIfMissing(replicas: 1)
        _ = try mirror.mirror(log: log, topic: "payments", now: Self.seconds)

        let source = try JetStreamSource(url: url)
        defer { source.close() }
        // Seek by time over a mirrored stream uses the events' own times.
        let merged = MergedCursor(try log.partitions(of: "payments").map { PartitionCursor(partition: $0, from: .zero) })
        var times: [Timestamp] = []
        while let next = try merged.next() { times.append(next.record.timestamp) }
        let partition = TopicPartition(topic: "PAYMENTS", partition: 0)
        for index in [0, 1, 3_333, 7_999] {
            let found = try source.offset(forTimestamp: times[index], in: partition)
            XCTAssertEqual(found.rawValue, Int64(times.firstIndex { $0 >= times[index] }! + 1), "event \(index)")
        }
        XCTAssertEqual(try source.offset(forTimestamp: times.last!.adding(milliseconds: 1), in: partition), Offset(8_001))
        let replicaDirectory = directory.appending("replica")
        XCTAssertEqual(try SourceReplica.sync(source, topics: ["PAYMENTS"], directory: replicaDirectory), 8_000)
        XCTAssertEqual(try SourceReplica.sync(source, topics: ["PAYMENTS"], directory: replicaDirectory), 0, "a second sync fetches nothing")
        let replica = try EventLog.open(replicaDirectory, mode: .readOnly)
        defer { replica.close() }
        // Views read the stream itself through the read path; snapshots are keyed by its URL.
        let snapshots = SnapshotStore(source: source, cacheRoot: directory.appending("cache"))
        for view in ["balances", "count by type", "sum(amount) by account negate when type = \"withdrawal\""] {
            let overTopic = try ViewCatalog.open(view, log: log, topic: "payments", snapshots: nil)
            try overTopic.rewind(to: .end)
            let overStream = try ViewCatalog.open(view, log: source, topic: "PAYMENTS", snapshots: snapshots, snapshotEveryEvents: 1_000)
            try overStream.rewind(to: .end)
            let overReplica = try ViewCatalog.open(view, log: replica, topic: "PAYMENTS", snapshots: nil)
            try overReplica.rewind(to: .end)
            XCTAssertFalse(overTopic.rows().isEmpty)
            XCTAssertEqual(overStream.rows(), overTopic.rows(), view)
            XCTAssertEqual(overReplica.rows(), overTopic.rows(), view)
            XCTAssertEqual(overStream.progress.duplicatesSkipped, overTopic.progress.duplicatesSkipped, view)
            XCTAssertEqual(overStream.progress.eventsApplied, 8_000 - overTopic.progress.duplicatesSkipped, view)
            XCTAssertEqual(overStream.progress.gaps, [], "sequences start at 1: no gap before them")
            // Back in time: from a snapshot of the stream (validated by a read of its last event), then replay.
            for index in [1_500, 4_000, 6_999] {
                try overTopic.rewind(to: .time(times[index]))
                try overStream.rewind(to: .time(times[index]))
                XCTAssertEqual(overStream.rows(), overTopic.rows(), "\(view) as of event \(index)")
            }
        }
        XCTAssertFalse(try FileSystem.listDirectory(snapshots.directory).isEmpty, "snapshots of the stream were written")
    }

    func testErrorsAUserCanActOn() throws {
        // Unreachable.
        let closedPort = try LoopbackPort.free()
        XCTAssertThrowsError(try JetStreamSource(url: try NATSURL(parsing: "nats://127.0.0.1:\(closedPort)"))) { error in
            XCTAssertEqual((error as? NATSError)?.code, .unreachable)
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(closedPort)"), "\(error)")
        }
        // Missing stream.
        XCTAssertThrowsError(try JetStreamSource(url: try NATSURL(parsing: server.url + "/NOPE"))) { error in
            XCTAssertEqual((error as? NATSError)?.code, .streamNotFound)
            XCTAssertTrue("\(error)".contains("NOPE"), "\(error)")
        }
        // JetStream disabled.
        let plain = try NATSServerProcess(name: "plain", directory: directory.path, jetStream: false)
        defer { plain.kill() }
        XCTAssertThrowsError(try JetStreamSource(url: try NATSURL(parsing: plain.url))) { error in
            XCTAssertEqual((error as? NATSError)?.code, .jetStreamDisabled)
        }
        // Authorization: user/password and token.
        let secured = try NATSServerProcess(name: "secured", directory: directory.path, extra: ["--user", "alice", "--pass", "s3cret"])
        defer { secured.kill() }
        XCTAssertThrowsError(try NATSConnection(url: try NATSURL(parsing: "nats://alice:wrong@127.0.0.1:\(secured.port)"))) { error in
            XCTAssertEqual((error as? NATSError)?.code, .authorization)
        }
        XCTAssertNoThrow(try NATSConnection(url: try NATSURL(parsing: "nats://alice:s3cret@127.0.0.1:\(secured.port)")).close())
        let tokened = try NATSServerProcess(name: "tokened", directory: directory.path, extra: ["--auth", "t0ken"])
        defer { tokened.kill() }
        XCTAssertThrowsError(try NATSConnection(url: try NATSURL(parsing: "nats://bad@127.0.0.1:\(tokened.port)")))
        XCTAssertNoThrow(try NATSConnection(url: try NATSURL(parsing: "nats://t0ken@127.0.0.1:\(tokened.port)")).close())
    }

    // MARK: Helpers

    static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// A bank-like topic: JSON deposits and withdrawals with event-id headers, a few duplicates,
    /// timestamps over a day spread across partitions.
    static func bankLog(_ path: String, events: Int, partitions: Int32) throws -> EventLog {
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        try log.createTopic("payments", config: TopicConfig(partitions: partitions))
        var random = SeededRandom(seed: 42)
        let start: Int64 = 1_700_000_000_000
        var batches: [Int32: [ProducerRecord]] = [:]
        for index in 0..<events {
            let account = "acct\(random.next() % 40)"
            let type = random.next() % 3 == 0 ? "withdrawal" : "deposit"
            let amount = Int(random.next() % 500) + 1
            let id = random.next() % 200 == 0 && index > 0 ? "e\(index - 1)" : "e\(index)"
            let record = ProducerRecord(key: Array(account.utf8), value: Array("{\"type\":\"\(type)\",\"account\":\"\(account)\",\"amount\":\(amount)}".utf8),
                                        headers: [Header(key: "event-id", value: Array(id.utf8)), Header(key: "producer", value: Array("bank".utf8))],
                                        timestamp: Timestamp(milliseconds: start + Int64(index) * 1_000 + Int64(random.next() % 500)))
            batches[Int32(random.next() % UInt64(partitions)), default: []].append(record)
        }
        for (partition, records) in batches {
            for chunk in stride(from: 0, to: records.count, by: 1000) {
                _ = try log.append(Array(records[chunk..<min(chunk + 1000, records.count)]), to: "payments", partition: partition)
            }
        }
        return log
    }
}
