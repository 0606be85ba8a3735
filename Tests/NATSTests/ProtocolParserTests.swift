@testable import NATS
import XCTest

/// The parser on byte streams fed whole and one byte at a time: both must give the same operations.
final class ProtocolParserTests: XCTestCase {
    let stream = Array((
        "INFO {\"server_id\":\"X\",\"version\":\"2.9.10\",\"headers\":true,\"max_payload\":1048576}\r\n" +
        "PING\r\n" +
        "+OK\r\n" +
        "MSG orders.eu 7 5\r\nhello\r\n" +
        "msg orders.us\t9 _INBOX.abc.1 0\r\n\r\n" +
        "HMSG $JS.ACK 3 _INBOX.r 34 39\r\nNATS/1.0\r\nA: 1\r\nB:  two words \r\n\r\nbytes\r\n" +
        "HMSG _INBOX.x 4 31 31\r\nNATS/1.0 100 Idle Heartbeat\r\n\r\n\r\n" +
        "PONG\r\n" +
        "-ERR 'Authorization Violation'\r\n"
    ).utf8)

    var expected: [ServerOperation] {
        [
            .info(json: Array("{\"server_id\":\"X\",\"version\":\"2.9.10\",\"headers\":true,\"max_payload\":1048576}".utf8)),
            .ping,
            .ok,
            .message(NATSMessage(subject: "orders.eu", sid: 7, replyTo: nil, headers: nil, payload: Array("hello".utf8))),
            .message(NATSMessage(subject: "orders.us", sid: 9, replyTo: "_INBOX.abc.1", headers: nil, payload: [])),
            .message(NATSMessage(subject: "$JS.ACK", sid: 3, replyTo: "_INBOX.r", headers: NATSHeaders(fields: [("A", "1"), ("B", "two words")]),
                                 payload: Array("bytes".utf8))),
            .message(NATSMessage(subject: "_INBOX.x", sid: 4, replyTo: nil, headers: NATSHeaders(status: 100, statusDescription: "Idle Heartbeat"), payload: [])),
            .pong,
            .error("Authorization Violation"),
        ]
    }

    func testWholeStream() throws {
        var parser = ProtocolParser()
        parser.feed(stream)
        XCTAssertEqual(try drain(&parser), expected)
    }

    func testOneByteAtATime() throws {
        var parser = ProtocolParser()
        var operations: [ServerOperation] = []
        for byte in stream {
            parser.feed([byte])
            operations += try drain(&parser)
        }
        XCTAssertEqual(operations, expected)
    }

    func testEverySplitPoint() throws {
        for split in 0...stream.count {
            var parser = ProtocolParser()
            parser.feed(stream[..<split])
            var operations = try drain(&parser)
            parser.feed(stream[split...])
            operations += try drain(&parser)
            XCTAssertEqual(operations, expected, "split at \(split)")
        }
    }

    func testStatusMessagesAreRecognised() throws {
        var parser = ProtocolParser()
        parser.feed(Array("HMSG _INBOX.x 4 31 31\r\nNATS/1.0 100 Idle Heartbeat\r\n\r\n\r\n".utf8))
        guard case let .message(message)? = try parser.next() else { return XCTFail("no message") }
        XCTAssertEqual(message.status, 100)
        XCTAssertEqual(message.headers?.statusDescription, "Idle Heartbeat")
    }

    func testLimitsAreEnforcedBeforeBuffering() {
        var parser = ProtocolParser(maxMessageBytes: 1024)
        parser.feed(Array("MSG a 1 1025\r\n".utf8))
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual(($0 as? NATSError)?.code, .protocolViolation) }

        var endless = ProtocolParser()
        endless.feed([UInt8](repeating: UInt8(ascii: "A"), count: NATSLimits.controlLineBytesMax + 2))
        XCTAssertThrowsError(try endless.next()) { XCTAssertEqual(($0 as? NATSError)?.code, .protocolViolation) }

        var headerTooBig = ProtocolParser()
        headerTooBig.feed(Array("HMSG a 1 10 5\r\n".utf8))
        XCTAssertThrowsError(try headerTooBig.next())

        var noCRLF = ProtocolParser()
        noCRLF.feed(Array("MSG a 1 3\r\nabcXY".utf8))
        XCTAssertThrowsError(try noCRLF.next())

        var negative = ProtocolParser()
        negative.feed(Array("MSG a 1 -3\r\n".utf8))
        XCTAssertThrowsError(try negative.next())

        var unknown = ProtocolParser()
        unknown.feed(Array("HELLO\r\n".utf8))
        XCTAssertThrowsError(try unknown.next())
    }

    func testHeadersRoundTripAndRejectWhatTheyCannotCarry() throws {
        let headers = NATSHeaders(fields: [("Nats-Msg-Id", "payments/0/42"), ("event-id", "e1"), ("event-id", "e2")])
        let encoded = try headers.encoded()
        XCTAssertEqual(try NATSHeaders(parsing: ArraySlice(encoded)), headers)
        XCTAssertEqual(headers["nats-msg-id"], "payments/0/42")
        XCTAssertThrowsError(try NATSHeaders(fields: [("bad name", "v")]).encoded())
        XCTAssertThrowsError(try NATSHeaders(fields: [("k", "two\r\nlines")]).encoded())
    }

    func testURLs() throws {
        let url = try NATSURL(parsing: "nats://alice:s3cret@10.0.0.1:4223,10.0.0.2/ORDERS")
        XCTAssertEqual(url.servers, [.init(host: "10.0.0.1", port: 4223), .init(host: "10.0.0.2", port: 4222)])
        XCTAssertEqual(url.user, "alice")
        XCTAssertEqual(url.password, "s3cret")
        XCTAssertEqual(url.stream, "ORDERS")
        XCTAssertEqual(url.description, "nats://10.0.0.1:4223,10.0.0.2:4222/ORDERS")
        XCTAssertEqual(try NATSURL(parsing: "nats://tok@h:1").token, "tok")
        XCTAssertThrowsError(try NATSURL(parsing: "nats://h:99999"))
        XCTAssertThrowsError(try NATSURL(parsing: "nats://h:1/a.b"))
    }

    /// The version gate of the server's time search: releases and pre-releases compare by major and
    /// minor; what is not a version (empty, words, one number) is never "at least" anything.
    func testServerVersionsCompareByMajorAndMinor() throws {
        func info(_ version: String) throws -> ServerInfo {
            try ServerInfo.decode(Array("{\"server_id\":\"X\",\"version\":\"\(version)\"}".utf8))
        }
        for (version, atLeast211) in [("2.11.0", true), ("2.15.1", true), ("2.12.0-beta.1", true), ("3.0.0", true), ("2.10.29", false),
                                      ("2.9.10", false), ("1.99.0", false), ("", false), ("-", false), ("2", false), ("two.eleven", false)] {
            XCTAssertEqual(try info(version).isAtLeast(major: 2, minor: 11), atLeast211, "'\(version)'")
        }
    }

    func testRFC3339() {
        XCTAssertEqual(RFC3339.nanoseconds("2024-01-15T12:00:05.123456789Z"), 1_705_320_005_123_456_789)
        XCTAssertEqual(RFC3339.nanoseconds("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(RFC3339.nanoseconds("2024-01-15T13:00:05.5+01:00"), 1_705_320_005_500_000_000)
        XCTAssertNil(RFC3339.nanoseconds("2024-01-15"))
        XCTAssertEqual(RFC3339.format(.init(milliseconds: 1_705_320_005_123)), "2024-01-15T12:00:05.123Z")
    }

    private func drain(_ parser: inout ProtocolParser) throws -> [ServerOperation] {
        var operations: [ServerOperation] = []
        while let operation = try parser.next() { operations.append(operation) }
        return operations
    }
}
