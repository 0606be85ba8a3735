import EventLog
import Foundation
import LogSources
import NATS
import Projections
import TestSupport
import XCTest

/// The same events behind two backends, one set of assertions: a JetStream stream on a real
/// nats-server, and its copy in the embedded log (offsets = sequences, as `rewind import` makes it).
/// Both are opened through the one factory, and everything above the protocol must not be able
/// to tell them apart: topics, offsets (with a deleted message's hole), records, time seeks,
/// waits, summaries, the fold, consumer groups and `groups describe --json`.
final class LogSourceConformanceTests: XCTestCase {
    var directory: TemporaryDirectory!
    var server: NATSServerProcess!
    var stream: LogSource!
    var embedded: LogSource!
    let partition = TopicPartition(topic: "ORDERS", partition: 0)
    static let events = 300
    static let deletedSequence: UInt64 = 100

    override func setUpWithError() throws {
        try NATSServerProcess.require()
        directory = try TemporaryDirectory("rewind-conformance")
        server = try NATSServerProcess(name: "conformance", directory: directory.path)
        try publishEvents()
        stream = try LogSourceFactory.open(server.url + "/ORDERS")
        let copyPath = directory.appending("copy")
        let writer = try EventLog.open(copyPath, mode: .readWrite, create: true)
        try writer.createTopic("ORDERS", config: TopicConfig(partitions: 1))
        XCTAssertEqual(try SourceCopy.copy(from: stream, partition, start: try stream.startOffset(of: partition), into: writer.partition(partition)),
                       Self.events - 1)
        // The embedded twin of the stream's durable consumer "billing" (ack floor 0: reads 1 next).
        try writer.commit(group: "billing", offsets: [partition: Offset(1)])
        writer.close()
        embedded = try LogSourceFactory.open(copyPath)
    }

    override func tearDown() {
        stream?.close()
        embedded?.close()
        server?.kill()
        directory?.remove()
    }

    /// Bank events with keys (subjects), headers and a few empty payloads; one deleted message.
    private func publishEvents() throws {
        let connection = try NATSConnection(url: try NATSURL(parsing: server.url))
        defer { connection.close() }
        let jetStream = JetStream(connection: connection)
        _ = try jetStream.createStream(StreamConfig(name: "ORDERS", subjects: ["orders.>"]))
        for index in 0..<Self.events {
            let account = "A\(index % 7)"
            let payload = index % 50 == 49 ? [] : Array("{\"type\":\"\(index % 3 == 0 ? "withdrawal" : "deposit")\",\"account\":\"\(account)\",\"amount\":\(index)}".utf8)
            let headers = NATSHeaders(fields: [(name: "event-id", value: "e\(index)"), (name: "producer", value: "conformance")])
            try connection.publish("orders.\(account)", payload: payload, headers: headers)
            if index % 60 == 0 { usleep(3_000) } // a few distinct milliseconds to seek between
        }
        try connection.flush()
        let deadline = Date().addingTimeInterval(10)
        while try jetStream.streamInfo("ORDERS").state.lastSeq < UInt64(Self.events), Date() < deadline { usleep(10_000) }
        let deleted = try connection.request("$JS.API.STREAM.MSG.DELETE.ORDERS", payload: Array("{\"seq\":\(Self.deletedSequence)}".utf8))
        XCTAssertTrue(String(decoding: deleted.payload, as: UTF8.self).contains("\"success\":true"), String(decoding: deleted.payload, as: UTF8.self))
        var durable = ConsumerConfig()
        durable.durableName = "billing"
        durable.ackPolicy = "explicit"
        durable.deliverPolicy = "all"
        _ = try jetStream.createConsumer("ORDERS", durable)
    }

    private struct Fields: Equatable {
        var offset: Int64
        var timestamp: Int64
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [Header]
        init(_ record: Record) {
            offset = record.offset.rawValue
            timestamp = record.timestamp.milliseconds
            key = record.key
            value = record.value
            headers = record.headers
        }
    }

    private func bothSources(_ body: (LogSource) throws -> Void) rethrows {
        try body(stream)
        try body(embedded)
    }

    func testTopicsOffsetsAndRecordsAreTheSame() throws {
        try bothSources { source in
            XCTAssertEqual(try source.topicNames(), ["ORDERS"], source.location)
            XCTAssertEqual(try source.partitionNumbers(of: "ORDERS"), [0], source.location)
            XCTAssertEqual(try source.endOffset(of: partition), Offset(Int64(Self.events + 1)), source.location)
            XCTAssertThrowsError(try source.partitionNumbers(of: "NOPE"), source.location)
            XCTAssertEqual(try source.read(partition, from: try source.startOffset(of: partition), maxRecords: 1).first?.offset, Offset(1))
        }
        // Where each backend's offsets begin: a stream at sequence 1; the copy's first segment at 0
        // (offset 0 never held an event there, like a Kafka topic copied with its offsets).
        XCTAssertEqual(try stream.startOffset(of: partition), Offset(1))
        XCTAssertEqual(try embedded.startOffset(of: partition), Offset(0))
        for start: Int64 in [0, 1, 2, 50, 99, 100, 101, 250, 299, 300, 301, 400] {
            for count in [1, 7, 150, 1000] {
                let fromStream = try stream.read(partition, from: Offset(start), maxRecords: count).map(Fields.init)
                let fromEmbedded = try embedded.read(partition, from: Offset(start), maxRecords: count).map(Fields.init)
                XCTAssertEqual(fromStream, fromEmbedded, "read from \(start), \(count) records")
                XCTAssertFalse(fromStream.contains { $0.offset == Int64(Self.deletedSequence) }, "the deleted message stays a hole")
                if start <= 300 { XCTAssertFalse(fromStream.isEmpty, "read from \(start)") }
            }
        }
        let all = try stream.read(partition, from: .zero, maxRecords: 1000)
        XCTAssertEqual(all.count, Self.events - 1)
        XCTAssertEqual(all.first?.headers.first, Header(key: "event-id", value: Array("e0".utf8)))
        XCTAssertEqual(all.first?.key, Array("orders.A0".utf8))
    }

    func testTimeSeeksSummariesAndWaitsAreTheSame() throws {
        let records = try embedded.read(partition, from: .zero, maxRecords: 1000)
        var probes = [records.first!.timestamp.adding(milliseconds: -1), records.last!.timestamp.adding(milliseconds: 1)]
        for index in [0, 1, 60, 61, 98, 99, 150, 200, 298] { probes.append(records[index].timestamp) }
        for probe in probes {
            let fromStream = try stream.offset(forTimestamp: probe, in: partition)
            XCTAssertEqual(fromStream, try embedded.offset(forTimestamp: probe, in: partition), "seek to \(probe)")
            let expected = records.first { $0.timestamp >= probe }?.offset ?? Offset(Int64(Self.events + 1))
            XCTAssertEqual(fromStream, expected, "seek to \(probe)")
            // The server's own answer: a by_start_time consumer positions itself there.
            let server = try (stream as! JetStreamSource).jetStream.sequence(forTime: probe, in: "ORDERS")
            XCTAssertEqual(fromStream.rawValue, Int64(server), "seek to \(probe) against by_start_time")
        }
        let streamSummary = try stream.summary(of: partition)
        let embeddedSummary = try embedded.summary(of: partition)
        XCTAssertEqual(streamSummary.endOffset, embeddedSummary.endOffset)
        XCTAssertEqual(streamSummary.firstTimestamp, records.first?.timestamp)
        XCTAssertEqual(embeddedSummary.firstTimestamp, records.first?.timestamp)
        XCTAssertEqual(streamSummary.largestTimestamp, records.last?.timestamp)
        XCTAssertEqual(embeddedSummary.largestTimestamp, records.last?.timestamp)
        try bothSources { source in
            XCTAssertTrue(try source.waitForRecords(partition, from: Offset(Int64(Self.events)), timeoutMs: 0), source.location)
            XCTAssertFalse(try source.waitForRecords(partition, from: Offset(Int64(Self.events + 1)), timeoutMs: 100), source.location)
        }
    }

    /// A stream with allow_direct is read with `$JS.API.DIRECT.GET` (the stored message as is)
    /// instead of STREAM.MSG.GET (JSON, base64): the same stream before and after the switch
    /// gives the same records, seeks and pages after seeks, and only the second way is used.
    func testDirectGetsReadWhatTheJSONAPIReads() throws {
        func observe() throws -> (reads: [[Fields]], seeks: [Offset], pages: [[Fields]], endpoints: Set<String>) {
            let source = try JetStreamSource(url: try NATSURL(parsing: server.url + "/ORDERS"))
            defer { source.close() }
            let profile = RequestProfile()
            source.jetStream.profile = profile
            var reads: [[Fields]] = [], seeks: [Offset] = [], pages: [[Fields]] = []
            for start: Int64 in [0, 1, 99, 100, 101, 250, 299, 300, 301] {
                for count in [1, 7, 50, 100] { reads.append(try source.read(partition, from: Offset(start), maxRecords: count).map(Fields.init)) }
            }
            let records = try embedded.read(partition, from: .zero, maxRecords: 1000)
            for time in [records[0].timestamp.adding(milliseconds: -1), records[61].timestamp, records[98].timestamp, records[200].timestamp,
                         records.last!.timestamp, records.last!.timestamp.adding(milliseconds: 1)] {
                let offset = try source.offset(forTimestamp: time, in: partition)
                seeks.append(offset)
                pages.append(try source.read(partition, from: offset, maxRecords: 50).map(Fields.init))
                XCTAssertEqual(pages.last, try embedded.read(partition, from: offset, maxRecords: 50).map(Fields.init), "page after the seek to \(time)")
            }
            return (reads, seeks, pages, Set(profile.entries.map(\.endpoint)))
        }
        let before = try observe()
        XCTAssertTrue(before.endpoints.contains("STREAM.MSG.GET"))
        XCTAssertFalse(before.endpoints.contains("DIRECT.GET"), "no direct gets on a stream without allow_direct: nobody would answer them")

        // Switch the stream to allow_direct, keeping the rest of its config as the server has it.
        let connection = try NATSConnection(url: try NATSURL(parsing: server.url))
        defer { connection.close() }
        let info = try JSONSerialization.jsonObject(with: Data(try connection.request("$JS.API.STREAM.INFO.ORDERS", payload: []).payload)) as! [String: Any]
        var config = info["config"] as! [String: Any]
        config["allow_direct"] = true
        let updated = try connection.request("$JS.API.STREAM.UPDATE.ORDERS", payload: Array(try JSONSerialization.data(withJSONObject: config)))
        XCTAssertTrue(String(decoding: updated.payload, as: UTF8.self).contains("\"allow_direct\":true"), String(decoding: updated.payload, as: UTF8.self))

        let after = try observe()
        XCTAssertTrue(after.endpoints.contains("DIRECT.GET"))
        XCTAssertFalse(after.endpoints.contains("STREAM.MSG.GET"))
        XCTAssertEqual(after.reads, before.reads)
        XCTAssertEqual(after.seeks, before.seeks)
        XCTAssertEqual(after.pages, before.pages)
        XCTAssertTrue(before.reads.joined().contains { !$0.headers.isEmpty } && before.reads.joined().contains { $0.value?.isEmpty ?? true },
                      "the records compared include headers and empty payloads")
    }

    func testTheFoldAndItsGapsAreTheSame() throws {
        for view in ["balances", "count by type", "sum(amount) by account negate when type = \"withdrawal\""] {
            let overStream = try ViewCatalog.open(view, log: stream, topic: "ORDERS", snapshots: nil)
            let overEmbedded = try ViewCatalog.open(view, log: embedded, topic: "ORDERS", snapshots: nil)
            try overStream.rewind(to: .end)
            try overEmbedded.rewind(to: .end)
            XCTAssertFalse(overStream.rows().isEmpty, view)
            XCTAssertEqual(overStream.rows(), overEmbedded.rows(), view)
            XCTAssertEqual(overStream.progress.eventsApplied, overEmbedded.progress.eventsApplied, view)
            XCTAssertEqual(overStream.progress.positions, overEmbedded.progress.positions, view)
            let hole: [Int64] = [0, Int64(Self.deletedSequence), Int64(Self.deletedSequence) + 1]
            let gaps = { (view: MaterializedView) in view.progress.gaps.map { [Int64($0.partition), $0.from, $0.to] } }
            XCTAssertEqual(gaps(overStream), [hole], "JetStream sequences start at 1: no gap before them")
            // The copy is a Kafka-style log whose offset 0 never held an event: that is a gap there.
            XCTAssertEqual(gaps(overEmbedded), [[0, 0, 1], hole])
        }
    }

    func testGroupsAndGroupsJSONAreTheSame() throws {
        let expected = ["billing": [partition: Offset(1)]]
        try bothSources { source in
            XCTAssertEqual(try source.consumerGroups(), expected, source.location)
            let lag = try source.lag(committed: expected["billing"]!)
            XCTAssertEqual(lag, [EventLog.GroupLag(topicPartition: partition, committed: Offset(1), endOffset: Offset(Int64(Self.events + 1)),
                                                   lag: Int64(Self.events))], source.location)
        }
        let line = "{\"group\":\"billing\",\"topic\":\"ORDERS\",\"partition\":0,\"committed\":1,\"end\":\(Self.events + 1),\"lag\":\(Self.events)}\n"
        for location in [server.url + "/ORDERS", directory.appending("copy")] {
            let described = try rewind(["groups", "describe", "billing", "--json", "--dir", location])
            XCTAssertEqual(described.status, 0, described.stderr)
            XCTAssertEqual(described.stdout, line, location)
            let listed = try rewind(["groups", "list", "--json", "--dir", location])
            XCTAssertEqual(listed.stdout, line, location)
            let text = try rewind(["groups", "describe", "billing", "--dir", location])
            XCTAssertEqual(text.stdout, "group billing  total lag \(Self.events)\n  ORDERS-0  committed 1  end \(Self.events + 1)  lag \(Self.events)\n", location)
        }
    }

    func testCommandsPrintTheSameForBoth() throws {
        let streamURL = server.url + "/ORDERS"
        let copy = directory.appending("copy")
        for arguments in [["consume", "ORDERS"], ["consume", "ORDERS", "--offset", "99", "--max", "3"],
                          ["export", "ORDERS", "--format", "kcat", "--from", "150"], ["view", "balances", "ORDERS", "--format", "csv"]] {
            let overStream = try rewind(arguments + ["--dir", streamURL])
            let overCopy = try rewind(arguments + ["--dir", copy])
            XCTAssertEqual(overStream.status, 0, overStream.stderr)
            XCTAssertFalse(overStream.stdout.isEmpty, "\(arguments)")
            // kcat envelopes name the timestamp type: JetStream stamps its own (logappend), the copy keeps them as create times.
            XCTAssertEqual(overStream.stdout.replacingOccurrences(of: "\"tstype\":\"logappend\"", with: "\"tstype\":\"create\""), overCopy.stdout, "\(arguments)")
        }
        let seek = try rewind(["consume", "ORDERS", "--offset", "99", "--max", "2", "--dir", streamURL])
        XCTAssertEqual(seek.stdout.split(separator: "\n").map { $0.contains("\"offset\":99,") || $0.contains("\"offset\":101,") }, [true, true],
                       "the deleted sequence 100 is skipped")
    }

    private func rewind(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        var environment = ProcessInfo.processInfo.environment
        environment["REWIND_CACHE_DIR"] = directory.appending("cache")
        return try runToEnd(bundle.deletingLastPathComponent().appendingPathComponent("rewind"), arguments, environment: environment)
    }
}
