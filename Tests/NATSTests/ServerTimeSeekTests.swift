import Foundation
import EventLog
@testable import NATS
import TestSupport
import XCTest

/// Seeks by stored time on a current nats-server (2.11+), which finds the message itself
/// (`start_time` in a get): the answer and the page after it are those of a scan of every stored
/// message, with and without `allow_direct`, across deleted messages and past either end, in one
/// round trip; a stream `rewind mirror` wrote still seeks by its events' own times.
final class ServerTimeSeekTests: XCTestCase {
    var directory: TemporaryDirectory!
    var server: NATSServerProcess!

    override func setUpWithError() throws {
        try NATSServerProcess.requireCurrent()
        directory = try TemporaryDirectory("rewind-nats-time")
        server = try NATSServerProcess(name: "current", directory: directory.path, binary: NATSServerProcess.currentBinary)
    }

    override func tearDown() {
        server?.kill()
        directory?.remove()
    }

    func testTheServerFindsStoredTimesAndThePageIsTheScansPage() throws {
        var random = SeededRandom.fromEnvironment()
        for allowDirect in [true, false] {
            let name = allowDirect ? "DIRECT" : "API"
            let url = try NATSURL(parsing: server.url + "/" + name)
            let connection = try NATSConnection(url: url)
            defer { connection.close() }
            let jetStream = JetStream(connection: connection)
            _ = try jetStream.createStream(StreamConfig(name: name, subjects: [name.lowercased() + ".>"], allowDirect: allowDirect))
            XCTAssertTrue(jetStream.supportsGetByTime, "nats-server \(connection.info?.version ?? "?") should take start_time")
            // Bursts and pauses: many messages share a millisecond, some milliseconds hold none.
            for index in 0..<400 {
                _ = try connection.request(name.lowercased() + ".e", payload: Array("{\"n\":\(index)}".utf8))
                if Int.random(in: 0..<25, using: &random) == 0 { usleep(UInt32.random(in: 1_000...4_000, using: &random)) }
            }
            // Deleted messages, a run of them among them, and the first and the last.
            var deleted = Set<UInt64>([1, 400] + (150...170).map { UInt64($0) })
            for _ in 0..<30 { deleted.insert(UInt64.random(in: 2...399, using: &random)) }
            for sequence in deleted {
                let reply = try connection.request("$JS.API.STREAM.MSG.DELETE.\(name)", payload: Array("{\"seq\":\(sequence)}".utf8))
                XCTAssertTrue(String(decoding: reply.payload, as: UTF8.self).contains("\"success\":true"))
            }
            let stored = try jetStream.messages(name, sequences: Array(1...400)).compactMap { $0 }
            XCTAssertEqual(stored.count, 400 - deleted.count)

            let source = try JetStreamSource(url: url)
            defer { source.close() }
            let partition = TopicPartition(topic: name, partition: 0)
            let firstMs = stored.first!.timeNs / 1_000_000, lastMs = stored.last!.timeNs / 1_000_000
            var targets = [firstMs - 10_000, firstMs, lastMs, lastMs + 1, lastMs + 10_000]
            targets += stored.map { $0.timeNs / 1_000_000 }.shuffled(using: &random).prefix(20)
            for _ in 0..<40 { targets.append(Int64.random(in: firstMs...lastMs, using: &random)) }
            for target in targets {
                let answerIndex = stored.firstIndex { $0.timeNs / 1_000_000 >= target }
                let expected = answerIndex.map { Offset(Int64(stored[$0].sequence)) } ?? Offset(401)
                let found = try source.offset(forTimestamp: Timestamp(milliseconds: target), in: partition)
                XCTAssertEqual(found, expected, "\(name): first message at or after \(target) ms")
                XCTAssertEqual(source.lastSeekRoundTrips, 1, "\(name): the server's search is one request")
                let page = try source.read(partition, from: found, maxRecords: 50)
                let expectedPage = answerIndex.map { Array(stored[$0...].prefix(50)).map(\.record) } ?? []
                XCTAssertEqual(page.map(\.offset), expectedPage.map(\.offset), "\(name): the page after \(target) ms")
                XCTAssertEqual(page.map(\.value), expectedPage.map(\.value))
                XCTAssertEqual(page.map(\.timestamp), expectedPage.map(\.timestamp))
            }
        }
    }

    func testAMirroredStreamStillSeeksByItsEventsTimes() throws {
        let url = try NATSURL(parsing: server.url + "/MIRRORED")
        let connection = try NATSConnection(url: url)
        defer { connection.close() }
        _ = try JetStream(connection: connection).createStream(StreamConfig(name: "MIRRORED", subjects: ["mirrored.>"], allowDirect: true))
        // Event times a year before the stored ones: a search by stored time would land at the start.
        for index in 0..<500 {
            _ = try connection.request("mirrored.e", payload: Array("{}".utf8),
                                       headers: NATSHeaders(fields: [(JetStreamMessage.eventTimeHeader, String(1_700_000_000_000 + Int64(index) * 10))]))
        }
        let source = try JetStreamSource(url: url)
        defer { source.close() }
        let partition = TopicPartition(topic: "MIRRORED", partition: 0)
        for (target, expected) in [(Int64(2_345), Int64(236)), (0, 1), (4_990, 500), (5_000, 501), (1_234, 125)] {
            XCTAssertEqual(try source.offset(forTimestamp: Timestamp(milliseconds: 1_700_000_000_000 + target), in: partition), Offset(expected))
            XCTAssertEqual(try source.read(partition, from: Offset(expected), maxRecords: 1).first?.timestamp.milliseconds,
                           expected <= 500 ? 1_700_000_000_000 + (expected - 1) * 10 : nil)
        }
    }
}
