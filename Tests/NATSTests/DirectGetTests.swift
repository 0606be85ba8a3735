import Foundation
import EventLog
@testable import NATS
import TestSupport
import XCTest

/// `$JS.API.DIRECT.GET` against STREAM.MSG.GET on a real nats-server: the same stored messages,
/// whatever their headers (none, the server's own `Nats-*` names among them, repeated names) and
/// payloads (binary, empty); deleted and missing sequences are nil both ways.
final class DirectGetTests: XCTestCase {
    var directory: TemporaryDirectory!
    var server: NATSServerProcess!

    override func setUpWithError() throws {
        try NATSServerProcess.require()
        directory = try TemporaryDirectory("rewind-nats-direct")
        server = try NATSServerProcess(name: "direct", directory: directory.path)
    }

    override func tearDown() {
        server?.kill()
        directory?.remove()
    }

    func testDirectGetsReturnWhatTheJSONAPIReturns() throws {
        let connection = try NATSConnection(url: try NATSURL(parsing: server.url))
        defer { connection.close() }
        let jetStream = JetStream(connection: connection)
        let created = try jetStream.createStream(StreamConfig(name: "EVENTS", subjects: ["events.>"], allowDirect: true))
        XCTAssertEqual(created.config.allowDirect, true, "the server keeps allow_direct")

        var random = SeededRandom.fromEnvironment()
        let published: [(subject: String, headers: NATSHeaders?, payload: [UInt8])] = [
            ("events.plain", nil, (0..<200).map { _ in UInt8.random(in: 0...255, using: &random) }),
            ("events.deduped", NATSHeaders(fields: [("Nats-Msg-Id", "payments/0/7"), ("Rewind-Timestamp", "1700000000123")]), Array("{\"a\":1}".utf8)),
            ("events.repeated", NATSHeaders(fields: [("trace", "one"), ("trace", "two"), ("Nats-Stream-Hint", "x")]), []),
            ("events.empty", nil, []),
            ("events.deleted", NATSHeaders(fields: [("k", "v")]), Array("gone".utf8)),
            ("events.last", NATSHeaders(fields: [("k", "v: with a colon")]), Array("last".utf8)),
        ]
        for message in published {
            let reply = try connection.request(message.subject, payload: message.payload, headers: message.headers)
            XCTAssertTrue(String(decoding: reply.payload, as: UTF8.self).contains("\"seq\""), String(decoding: reply.payload, as: UTF8.self))
        }
        let deleted = try connection.request("$JS.API.STREAM.MSG.DELETE.EVENTS", payload: Array("{\"seq\":5}".utf8))
        XCTAssertTrue(String(decoding: deleted.payload, as: UTF8.self).contains("\"success\":true"))

        let sequences: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 1_000]
        let direct = try jetStream.directMessages("EVENTS", sequences: sequences)
        let viaAPI = try jetStream.messages("EVENTS", sequences: sequences)
        XCTAssertEqual(direct, viaAPI)
        XCTAssertEqual(direct.map { $0 == nil }, [false, false, false, false, true, false, true, true])
        for (index, message) in published.enumerated() where index != 4 {
            let stored = try XCTUnwrap(direct[index])
            XCTAssertEqual(stored.sequence, UInt64(index + 1))
            XCTAssertEqual(stored.subject, message.subject)
            XCTAssertEqual(stored.payload, message.payload)
            XCTAssertEqual(stored.headers?.fields.map(\.name), message.headers?.fields.map(\.name), "the server's headers are taken off, the message's kept")
            XCTAssertEqual(stored.headers?.fields.map(\.value), message.headers?.fields.map(\.value))
        }
        XCTAssertEqual(direct[1]?.eventTime.milliseconds, 1_700_000_000_123)
        XCTAssertGreaterThan(try XCTUnwrap(direct[0]).timeNs, 0)
    }

    /// A seek remembers the stream's first and last messages' times: the next seek on the same
    /// stream state skips the round trip that read them, and one after the stream changed
    /// (a message appended, the last one deleted) reads them again and still lands right.
    func testSeeksReuseTheEndsUntilTheStreamChanges() throws {
        let url = try NATSURL(parsing: server.url + "/TIMED")
        let connection = try NATSConnection(url: url)
        defer { connection.close() }
        _ = try JetStream(connection: connection).createStream(StreamConfig(name: "TIMED", subjects: ["timed.>"], allowDirect: true))
        func publish(_ time: Int64) throws {
            _ = try connection.request("timed.e", payload: Array("{}".utf8), headers: NATSHeaders(fields: [("Rewind-Timestamp", String(time))]))
        }
        for index in 0..<500 { try publish(1_700_000_000_000 + Int64(index) * 10) }
        let source = try JetStreamSource(url: url)
        defer { source.close() }
        let partition = TopicPartition(topic: "TIMED", partition: 0)
        let target = Timestamp(milliseconds: 1_700_000_000_000 + 2_345)
        XCTAssertEqual(try source.offset(forTimestamp: target, in: partition), Offset(236))
        let first = source.lastSeekRoundTrips
        XCTAssertEqual(try source.offset(forTimestamp: target, in: partition), Offset(236))
        XCTAssertEqual(source.lastSeekRoundTrips, first - 1, "the ends came from the first seek")

        // Appended: a target past the old last message is found, not answered from the old ends.
        try publish(1_700_000_000_000 + 10_000)
        XCTAssertEqual(try source.offset(forTimestamp: Timestamp(milliseconds: 1_700_000_000_000 + 9_000), in: partition), Offset(501))
        // The last message deleted: the same state of sequences, one message fewer.
        let deleted = try connection.request("$JS.API.STREAM.MSG.DELETE.TIMED", payload: Array("{\"seq\":501}".utf8))
        XCTAssertTrue(String(decoding: deleted.payload, as: UTF8.self).contains("\"success\":true"))
        let fresh = try JetStreamSource(url: url)
        defer { fresh.close() }
        let late = Timestamp(milliseconds: 1_700_000_000_000 + 9_000)
        XCTAssertEqual(try source.offset(forTimestamp: late, in: partition), try fresh.offset(forTimestamp: late, in: partition),
                       "nothing at or after the time is stored any more: the answer of a source that never sought")
        XCTAssertGreaterThan(try source.offset(forTimestamp: late, in: partition), Offset(500))
        XCTAssertEqual(try source.offset(forTimestamp: target, in: partition), Offset(236))
    }
}
