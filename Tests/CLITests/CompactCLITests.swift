@testable import EventLog
import Foundation
import Glibc
import TestSupport
import XCTest

/// `topics create --compact`, `topics alter`, `compact`, `verify` after it, kafka-python reading the
/// compacted segments, `view --as-if-compacted` and `groups reset`, through the real binary.
final class CompactCLITests: XCTestCase {
    var directory: TemporaryDirectory!
    var dir: String { directory.appending("log") }
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func assertOneLineError(_ result: CommandResult, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("rewind: error: "), result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(text), "\(result.stderr) lacks \(text)", file: file, line: line)
    }

    func produceChangelog(_ topic: String, count: Int) throws {
        let lines = (0..<count).map { #"{"k":"k\#($0 % 7)","n":\#($0),"pad":"\#(String(repeating: "p", count: 40))"}"# }
        // Several produce runs, so the 4 KiB segments roll: one run appends its lines as one batch.
        for chunk in stride(from: 0, to: count, by: 50) {
            let produced = try rewind(["produce", topic, "--dir", dir, "--key-field", "k"],
                                      stdin: lines[chunk..<min(count, chunk + 50)].joined(separator: "\n") + "\n")
            XCTAssertEqual(produced.status, 0, produced.stderr)
        }
    }

    func testCreateCompactVerifyAndReadWithKafkaPython() throws {
        let created = try rewind(["topics", "create", "c", "--dir", dir, "--compact", "--delete-retention", "1h", "--min-cleanable-ratio", "0.2", "--segment-bytes", "4096"])
        XCTAssertEqual(created.status, 0, created.stderr)
        try produceChangelog("c", count: 400)
        let described = try rewind(["topics", "describe", "c", "--dir", dir])
        XCTAssertTrue(described.stdout.contains("cleanup.policy compact  delete.retention 3600000 ms  min.cleanable.dirty.ratio 0.2"), described.stdout)
        let before = try EventLog.open(dir, mode: .readOnly)
        let endBefore = try before.partition(TopicPartition(topic: "c", partition: 0)).endOffset()
        before.close()

        let compacted = try rewind(["compact", "c", "--dir", dir])
        XCTAssertEqual(compacted.status, 0, compacted.stderr)
        XCTAssertTrue(compacted.stdout.contains("c-0: cleaned "), compacted.stdout)
        XCTAssertTrue(compacted.stdout.contains("hash chain re-rooted"), compacted.stdout)
        let verified = try rewind(["verify", "--dir", dir])
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)

        // Sealed segments now hold each key once; the offsets stay and the end did not move.
        let log = try EventLog.open(dir, mode: .readOnly)
        let partition = try log.partition(TopicPartition(topic: "c", partition: 0))
        XCTAssertEqual(try partition.endOffset(), endBefore)
        let activeBase = partition.segmentSnapshot().last!.baseOffset
        var keys: [String] = []
        var engineOffsets: [Int64] = []
        try partition.forEachRecord(from: .zero) { record, _ in
            if record.offset.rawValue < activeBase { keys.append(String(decoding: record.key!, as: UTF8.self)) }
            engineOffsets.append(record.offset.rawValue)
            return true
        }
        log.close()
        XCTAssertEqual(keys.count, Set(keys).count, "a key twice in the cleaned segments: \(keys)")
        XCTAssertLessThan(engineOffsets.count, 400)

        // kafka-python's own record reader accepts every compacted segment and sees the same offsets.
        let script = """
        import sys
        from kafka.record import MemoryRecords
        for path in sys.argv[1:]:
            reader = MemoryRecords(open(path, "rb").read())
            while True:
                batch = reader.next_batch()
                if batch is None: break
                for r in batch: print(r.offset)
        """
        let segments = try FileSystem.listDirectory(dir + "/c-0").filter { $0.hasSuffix(".log") }.sorted().map { dir + "/c-0/" + $0 }
        let python = try runProcess("/usr/bin/env", ["python3", "-c", script] + segments)
        if python.status != 0 && python.stderr.contains("No module named 'kafka'") {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("kafka-python not installed (make deps)") }
            throw XCTSkip("kafka-python not installed (make deps)")
        }
        XCTAssertEqual(python.status, 0, python.stderr)
        XCTAssertEqual(python.stdout.split(separator: "\n").compactMap { Int64($0) }, engineOffsets)

        let altered = try rewind(["topics", "alter", "c", "--dir", dir, "--cleanup-policy", "delete"])
        XCTAssertEqual(altered.status, 0, altered.stderr)
        assertOneLineError(try rewind(["compact", "c", "--dir", dir]), contains: "cleanup.policy=delete")
        assertOneLineError(try rewind(["topics", "alter", "c", "--dir", dir, "--cleanup-policy", "shrink"]), contains: "cleanup policy 'shrink'")
    }

    func testViewAsIfCompactedShowsWhatAnEventStreamLoses() throws {
        try XCTAssertEqual(rewind(["topics", "create", "payments", "--dir", dir]).status, 0)
        let events = [
            #"{"type":"deposit","account":"A","amount":10}"#,
            #"{"type":"deposit","account":"A","amount":20}"#,
            #"{"type":"deposit","account":"B","amount":5}"#,
        ]
        let produced = try rewind(["produce", "payments", "--dir", dir, "--key-field", "account"], stdin: events.joined(separator: "\n") + "\n")
        XCTAssertEqual(produced.status, 0, produced.stderr)
        let result = try rewind(["view", "balances", "payments", "--dir", dir, "--as-if-compacted"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("== real fold: 3 events =="), result.stdout)
        XCTAssertTrue(result.stdout.contains("== as if compacted: 2 events (latest record per key: 2 of 3 kept) =="), result.stdout)
        XCTAssertTrue(result.stdout.contains("1 of 2 rows change"), result.stdout)
        let difference = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  A: real") }
        XCTAssertEqual(difference.count, 1, result.stdout)
        XCTAssertTrue(difference.first?.contains("30") == true && difference.first?.contains("20") == true, result.stdout)
        XCTAssertFalse(result.stdout.contains("  B: real"), result.stdout)
    }

    func testGroupsResetDryRunCommitAndRefusalWhileMembersAreLive() throws {
        try XCTAssertEqual(rewind(["topics", "create", "t", "--dir", dir]).status, 0)
        try produceChangelog("t", count: 10)
        let log = try EventLog.open(dir, mode: .readWrite)
        try log.groups.commit("g", [TopicPartition(topic: "t", partition: 0): Offset(8)])
        log.close()

        let dry = try rewind(["groups", "reset", "g", "--topic", "t", "--to-offset", "3", "--dry-run", "--dir", dir])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("t-0  current 8  new 3  will process 5 events again"), dry.stdout)
        XCTAssertEqual(try committed(), 8, "a dry run commits nothing")
        let skip = try rewind(["groups", "reset", "g", "--topic", "t", "--to-latest", "--dry-run", "--dir", dir])
        XCTAssertTrue(skip.stdout.contains("current 8  new 10  will skip 2 events"), skip.stdout)

        let reset = try rewind(["groups", "reset", "g", "--topic", "t", "--to-offset", "0:3", "--dir", dir])
        XCTAssertEqual(reset.status, 0, reset.stderr)
        XCTAssertEqual(try committed(), 3)
        assertOneLineError(try rewind(["groups", "reset", "g", "--topic", "t", "--to-offset", "x", "--dir", dir]), contains: "--to-offset 'x'")

        // What a running `rewind serve` does: it holds the writer lock and publishes its members.
        let holder = try EventLog.open(dir, mode: .readWrite)
        try LiveGroupMembers.publish(["g": 2], logDirectory: dir)
        assertOneLineError(try rewind(["groups", "reset", "g", "--topic", "t", "--to-earliest", "--dir", dir]), contains: "group 'g' has 2 live members")
        XCTAssertEqual(try committed(), 3, "a refused reset commits nothing")
        let otherGroup = try rewind(["groups", "reset", "other", "--topic", "t", "--to-earliest", "--dir", dir])
        XCTAssertEqual(otherGroup.status, 0, otherGroup.stderr)
        holder.close()
        // Once the server is gone its file is stale and ignored.
        let afterStop = try rewind(["groups", "reset", "g", "--topic", "t", "--to-earliest", "--dir", dir])
        XCTAssertEqual(afterStop.status, 0, afterStop.stderr)
        XCTAssertEqual(try committed(), 0)
    }

    func committed() throws -> Int64? {
        let log = try EventLog.open(dir, mode: .readOnly)
        defer { log.close() }
        return try log.groups.committed("g")[TopicPartition(topic: "t", partition: 0)]?.rawValue
    }

    func runProcess(_ executable: String, _ arguments: [String]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }
}
