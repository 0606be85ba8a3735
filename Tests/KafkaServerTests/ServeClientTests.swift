import EventLog
import Foundation
import Interop
import TestSupport
import XCTest

/// `rewind serve` against real Kafka clients: kcat (librdkafka 2.0.2), confluent-kafka (librdkafka
/// 2.16) and kafka-python 3. Each test starts the real binary on a free loopback port.
final class ServeClientTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var server: ServeProcess!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory("rewind-serve")
    }

    override func tearDown() {
        server?.kill()
        directory?.remove()
    }

    private var logPath: String { directory.appending("log") }

    private func startServer(_ extra: [String] = []) throws {
        server = try ServeProcess(directory: logPath, extra: extra)
    }

    private func kcat(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try runToEnd("/usr/bin/kcat", ["-b", server.bootstrap] + arguments, input: input.map { Data($0.utf8) }, timeoutSeconds: 30)
    }

    /// The codec each stored batch of `topic` carries, read back through the engine.
    private func storedCodecs(_ topic: String) throws -> Set<CompressionCodec> {
        let log = try EventLog.open(logPath, mode: .readOnly, decompressor: KafkaCodecs())
        defer { log.close() }
        var codecs = Set<CompressionCodec>()
        for partition in try log.partitions(of: topic) {
            try partition.forEachRecord(from: .zero) { _, batch in
                codecs.insert(batch.info.compression)
                return true
            }
        }
        return codecs
    }

    func testKcatProducesEveryCodecStoredAsSentAndConsumesIt() throws {
        try requireClients(python: ["kafka"], kcat: true)
        try startServer()
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
            let lines = (0..<50).map { "key\($0):\(codec)-value-\($0)-" + String(repeating: "x", count: 40) }
            let produced = try kcat(["-P", "-t", "codec-\(codec)", "-K:", "-z", codec], input: lines.joined(separator: "\n") + "\n")
            XCTAssertEqual(produced.status, 0, produced.stderr)
            let consumed = try kcat(["-C", "-t", "codec-\(codec)", "-e", "-o", "beginning", "-f", "%k:%s\n"])
            XCTAssertEqual(consumed.status, 0, consumed.stderr)
            XCTAssertEqual(consumed.stdout.split(separator: "\n").map(String.init), lines, codec)
            XCTAssertEqual(try storedCodecs("codec-\(codec)"), [CompressionCodec(rawValue: ["none", "gzip", "snappy", "lz4", "zstd"].firstIndex(of: codec)!)!],
                           "kcat's \(codec) batches were not stored as sent")
            // kafka-python's own record reader decodes the segment Rewind wrote.
            let segment = logPath + "/codec-\(codec)-0/00000000000000000000.log"
            let read = try runPython(ClientScripts.kafkaPythonReadSegment, [segment]).trimmingCharacters(in: .whitespacesAndNewlines)
            let parts = read.split(separator: " ")
            XCTAssertEqual(parts.count, 3, read)
            XCTAssertEqual(parts.dropFirst().first, "50", "kafka-python read \(read) from the \(codec) segment")
        }
        XCTAssertEqual(try server.stop(), 0, server.output)
        let verify = try runToEnd(ServeProcess.binary.path, ["verify", "--dir", logPath])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    }

    func testKcatFeatureNegotiationKeepsEveryFeatureAClientNeeds() throws {
        try requireClients(kcat: true)
        try startServer()
        let result = try kcat(["-L", "-d", "feature"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for feature in ["MsgVer2", "ApiVersion", "BrokerBalancedConsumer", "BrokerGroupCoordinator", "LZ4", "IdempotentProducer", "ZSTD", "OffsetTime"] {
            XCTAssertFalse(result.stderr.contains("Disabling feature \(feature)\n") || result.stderr.contains("Disabling feature \(feature) "),
                           "librdkafka disabled \(feature):\n\(result.stderr)")
            XCTAssertTrue(result.stderr.contains("Enabling feature \(feature)"), "librdkafka did not enable \(feature)")
        }
        // The only features it turns off are SASL (not served) and the pre-v4 fetch formats.
        let disabled = result.stderr.split(separator: "\n").filter { $0.contains("Disabling feature") }.map { $0.components(separatedBy: "Disabling feature ").last! }
        XCTAssertEqual(Set(disabled), ["MsgVer1", "ThrottleTime", "SaslHandshake", "SaslAuthReq"], result.stderr)
    }

    func testMetadataAdvertisesTheAddressAsked() throws {
        try requireClients(kcat: true)
        try startServer(["--advertise", "broker.example:19999", "--partitions", "3"])
        // Asking for a topic's metadata creates it (auto-create, with --partitions).
        let listed = try kcat(["-L", "-t", "spread"])
        XCTAssertTrue(listed.stdout.contains("broker 0 at broker.example:19999"), listed.stdout)
        XCTAssertTrue(listed.stdout.contains("3 partitions"), listed.stdout)
    }

    func testKcatConsumesFromAnOffsetAndATimestamp() throws {
        try requireClients(kcat: true)
        try startServer()
        // -T-free producing: the timestamps are the producer's clock, so read them back first.
        let produced = try kcat(["-P", "-t", "times", "-K:"], input: (0..<20).map { "k\($0):v\($0)" }.joined(separator: "\n") + "\n")
        XCTAssertEqual(produced.status, 0, produced.stderr)
        let all = try kcat(["-C", "-t", "times", "-e", "-o", "beginning", "-f", "%o %T\n"])
        let rows = all.stdout.split(separator: "\n").map { $0.split(separator: " ").map { Int64($0)! } }
        XCTAssertEqual(rows.count, 20, all.stderr)
        let fromOffset = try kcat(["-C", "-t", "times", "-e", "-o", "15", "-f", "%s\n"])
        XCTAssertEqual(fromOffset.stdout, (15..<20).map { "v\($0)\n" }.joined())
        let fromEnd = try kcat(["-C", "-t", "times", "-e", "-o", "end", "-f", "%s\n"])
        XCTAssertEqual(fromEnd.status, 0, fromEnd.stderr)
        XCTAssertEqual(fromEnd.stdout, "", "from the end there is nothing yet")
        let lastThree = try kcat(["-C", "-t", "times", "-e", "-o", "-3", "-f", "%s\n"])
        XCTAssertEqual(lastThree.stdout, "v17\nv18\nv19\n")
        let last = rows[19][1]
        let fromTime = try kcat(["-C", "-t", "times", "-e", "-o", "s@\(last)", "-f", "%o\n"])
        let firstAtLast = rows.first { $0[1] >= last }![0]
        XCTAssertEqual(fromTime.stdout.split(separator: "\n").first.map { Int64($0)! }, firstAtLast, fromTime.stderr)
    }

    func testConfluentKafkaKeysHeadersTimestampsAcksIdempotenceOffsetsAndWatermarks() throws {
        try requireClients(python: ["confluent_kafka"])
        try startServer()
        XCTAssertEqual(try runPython(ClientScripts.confluentProduceConsume, [server.bootstrap]), "ok\n")
    }

    func testConsumerGroupRebalanceLosesAndRepeatsNothingAndResumesFromCommits() throws {
        try requireClients(python: ["confluent_kafka"])
        try startServer()
        let output = try runPython(ClientScripts.confluentGroupRebalance, [server.bootstrap], timeoutSeconds: 120)
        XCTAssertEqual(output, "ok members=2\n")
        XCTAssertTrue(server.output.contains("group billing: generation"), server.output)
        // The commits are Rewind's own consumer groups: `rewind groups describe` shows them.
        let described = try runToEnd(ServeProcess.binary.path, ["groups", "describe", "billing", "--dir", logPath])
        XCTAssertEqual(described.status, 0, described.stderr)
        XCTAssertTrue(described.stdout.contains("orders"), described.stdout)
    }

    func testAMemberThatStopsHeartbeatingExpires() throws {
        try requireClients(python: ["confluent_kafka"])
        try startServer()
        let output = try runPython(ClientScripts.confluentSessionExpiry, [server.bootstrap], timeoutSeconds: 90)
        XCTAssertTrue(output.hasPrefix("ok expired after"), output)
        XCTAssertTrue(server.output.contains("expired (no heartbeat for its session timeout)"), server.output)
    }

    func testKafkaPythonAdminProducerAndGroupConsumer() throws {
        try requireClients(python: ["kafka"])
        try startServer()
        XCTAssertEqual(try runPython(ClientScripts.kafkaPython, [server.bootstrap], timeoutSeconds: 90), "ok\n")
    }

    func testKillNineOfADurableServerLosesNoAcknowledgedRecord() throws {
        try requireClients(python: ["confluent_kafka"])
        try startServer(["--durable"])
        let ackedPath = directory.appending("acked.txt")
        FileManager.default.createFile(atPath: ackedPath, contents: nil)
        let producer = Process()
        producer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        producer.arguments = ["python3", "-c", ClientScripts.confluentAckedProducer, server.bootstrap, "200000"]
        producer.standardOutput = FileHandle(forWritingAtPath: ackedPath)!
        producer.standardError = FileHandle.nullDevice
        try producer.run()
        defer { if producer.isRunning { producer.terminate() } }
        func acked() -> [String] {
            ((try? String(contentsOfFile: ackedPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        try waitUntil(timeoutSeconds: 30, "2,000 acknowledged records") { acked().count >= 2_000 }
        server.kill()
        try waitUntil(timeoutSeconds: 20, "the producer to give up") { !producer.isRunning }
        let acknowledged = acked()
        let log = try EventLog.open(logPath, mode: .readWrite, decompressor: KafkaCodecs())
        defer { log.close() }
        var stored = Set<String>()
        try log.partitions(of: "durable")[0].forEachRecord(from: .zero) { record, _ in
            stored.insert(String(decoding: record.value.map { Array($0) } ?? [], as: UTF8.self))
            return true
        }
        let lost = acknowledged.filter { !stored.contains($0) }
        XCTAssertTrue(lost.isEmpty, "\(lost.count) of \(acknowledged.count) acknowledged records lost, e.g. \(lost.prefix(3))")
        print("kill -9 durable: \(acknowledged.count) acknowledged, \(stored.count) stored, 0 lost")
    }
}
