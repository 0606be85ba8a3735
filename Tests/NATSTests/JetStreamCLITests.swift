import Foundation
import NATS
import TestSupport
import XCTest

/// The `rewind` binary over `nats://`: mirror, describe, consume, view, import, and one-line errors.
final class JetStreamCLITests: XCTestCase {
    var directory: TemporaryDirectory!
    var server: NATSServerProcess!

    override func setUpWithError() throws {
        try NATSServerProcess.require()
        directory = try TemporaryDirectory("rewind-nats-cli")
        server = try NATSServerProcess(name: "cli", directory: directory.path)
    }

    override func tearDown() {
        server?.kill()
        directory?.remove()
    }

    func testCommandsOverNATS() throws {
        let bank = directory.appending("bank")
        XCTAssertEqual(try run(["generate", "bank", "--dir", bank, "--events", "3000"]).status, 0)
        let stream = server.url + "/PAY"
        let mirrored = try run(["mirror", "payments", "--dir", bank, "--to", stream, "--create"])
        XCTAssertEqual(mirrored.status, 0, mirrored.stderr)
        XCTAssertTrue(mirrored.stdout.hasPrefix("mirrored 3000 events into PAY"), mirrored.stdout)

        let described = try run(["topics", "describe", "--dir", server.url])
        XCTAssertTrue(described.stdout.contains("topic PAY  partitions 1  subjects payments payments.>  retention limits, forever"), described.stdout)
        XCTAssertTrue(described.stdout.contains("PAY-0  offsets 1..<3001  events 3000  bytes "), described.stdout)
        XCTAssertEqual(try run(["topics", "list", "--dir", server.url]).stdout, "PAY\n")

        let consumed = try run(["consume", "PAY", "--dir", server.url, "--offset", "2999"])
        XCTAssertEqual(consumed.stdout.split(separator: "\n").count, 2)
        XCTAssertTrue(consumed.stdout.hasPrefix("{\"topic\":\"PAY\",\"partition\":0,\"offset\":2999,"), consumed.stdout)

        let overStream = try run(["view", "balances", "PAY", "--dir", stream, "--format", "csv"])
        let overTopic = try run(["view", "balances", "payments", "--dir", bank, "--format", "csv"])
        XCTAssertEqual(overStream.status, 0, overStream.stderr)
        XCTAssertEqual(overStream.stdout, overTopic.stdout)
        XCTAssertFalse(overStream.stderr.contains("gap"), overStream.stderr)

        // A durable consumer is a consumer group, with its lag.
        let connection = try NATSConnection(url: try NATSURL(parsing: server.url))
        defer { connection.close() }
        var durable = ConsumerConfig()
        durable.durableName = "billing"
        durable.ackPolicy = "explicit"
        durable.deliverPolicy = "all"
        _ = try JetStream(connection: connection).createConsumer("PAY", durable)
        XCTAssertEqual(try run(["groups", "list", "--dir", server.url]).stdout, "billing\n")
        let groups = try run(["groups", "describe", "--dir", server.url])
        XCTAssertEqual(groups.stdout, "group billing  total lag 3000\n  PAY-0  committed 1  end 3001  lag 3000\n", groups.stderr)
        let groupsJSON = try run(["groups", "describe", "billing", "--json", "--dir", server.url])
        XCTAssertEqual(groupsJSON.stdout, "{\"group\":\"billing\",\"topic\":\"PAY\",\"partition\":0,\"committed\":1,\"end\":3001,\"lag\":3000}\n", groupsJSON.stderr)
        XCTAssertTrue(try run(["topics", "describe", "PAY", "--dir", server.url]).stdout.contains("  group billing  lag 3000"))

        let imported = try run(["import", stream, "--topic", "copy", "--dir", bank])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let copy = try run(["consume", "copy", "--dir", bank, "--max", "1"])
        XCTAssertTrue(copy.stdout.hasPrefix("{\"topic\":\"copy\",\"partition\":0,\"offset\":1,"), copy.stdout)

        let missing = try run(["consume", "NOPE", "--dir", server.url])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "rewind: error: \(server.url) stream NOPE: stream not found\n")
        let port = try LoopbackPort.free()
        let unreachable = try run(["topics", "list", "--dir", "nats://127.0.0.1:\(port)"])
        XCTAssertEqual(unreachable.stderr, "rewind: error: nats://127.0.0.1:\(port): cannot connect (connection refused)\n")
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        var environment = ProcessInfo.processInfo.environment
        environment["REWIND_CACHE_DIR"] = directory.appending("cache")
        return try runToEnd(bundle.deletingLastPathComponent().appendingPathComponent("rewind"), arguments, environment: environment)
    }
}
