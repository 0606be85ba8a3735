@testable import EventLog
import Foundation
import Glibc
import TestSupport
import XCTest

/// `rewind compact` interrupted at each crash point: every I/O call of a compaction fails in turn
/// (EIO, ENOSPC, a short write) through the FileIO seam, and a real `rewind compact` is SIGKILLed
/// at random moments. Afterwards a writable open must find either the old file set or the new one
/// (segments, indexes, chains, compaction.heads byte for byte), never a mix, verify must find
/// nothing, and compacting again must give exactly the files an uninterrupted compaction gives.
final class CompactionFaultTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    let topic = "c"
    let now = Timestamp(milliseconds: 2_000_000_000_000)

    /// A compacted topic of ~`records` records over 6 keys with tombstones, 4 KiB segments.
    func makeBase(_ path: String, records: Int, segmentBytes: Int = Limits.segmentBytesMin, valueBytes: Int = 60) throws {
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        defer { log.close() }
        var config = TopicConfig(partitions: 1, segmentBytes: segmentBytes)
        config.cleanupPolicy = .compact
        try log.createTopic(topic, config: config)
        let partition = try log.partition(TopicPartition(topic: topic, partition: 0))
        var batch: [ProducerRecord] = []
        for n in 0..<records {
            let value: [UInt8]? = n % 11 == 5 ? nil : Array("v\(n)-".utf8) + [UInt8](repeating: 0x2E, count: valueBytes)
            batch.append(ProducerRecord(key: Array("k\(n % 6)".utf8), value: value, timestamp: Timestamp(milliseconds: 1_700_000_000_000 + Int64(n))))
            if batch.count == 3 { try partition.append(batch); batch = [] }
        }
        if !batch.isEmpty { try partition.append(batch) }
    }

    /// The partition's files that make up its state (no lock, journal or staged files expected).
    func evidence(_ path: String) throws -> [String: [UInt8]] {
        let partition = path + "/" + topic + "-0"
        var files: [String: [UInt8]] = [:]
        for name in try FileSystem.listDirectory(partition) where name != ".lock" {
            files[name] = try SystemFile(path: partition + "/" + name, mode: .readOnly).readAll(limit: 1 << 28)
        }
        return files
    }

    func reopenAndVerify(_ path: String, label: String) throws {
        let log = try EventLog.open(path, mode: .readWrite)
        log.close()
        let readOnly = try EventLog.open(path, mode: .readOnly)
        defer { readOnly.close() }
        XCTAssertEqual(try Verifier.verify(readOnly).problems, [], "\(label): verify after recovery")
    }

    func testFaultsAtEveryCallOfACompaction() throws {
        let base = directory.appending("base")
        try makeBase(base, records: 300)
        try reopenAndVerify(base, label: "base")
        let old = try evidence(base)
        let reference = directory.appending("reference")
        try copyTree(base, to: reference)
        _ = try EventLog.compact(reference, topic: topic, now: now, force: true)
        try reopenAndVerify(reference, label: "reference")
        let new = try evidence(reference)
        XCTAssertNotEqual(old, new, "the workload must compact something")

        let probe = directory.appending("probe")
        try copyTree(base, to: probe)
        let counter = FaultyFileIO(root: probe, failing: nil)
        _ = FileIOSeam.with(counter) { try? EventLog.compact(probe, topic: topic, now: now, force: true) }
        XCTAssertGreaterThan(counter.calls.count, 20)
        var trials = 0, rolledBack = 0, finished = 0
        for index in 0..<counter.calls.count {
            for fault in FaultyFileIO.Fault.allCases where fault != .shortWrite || counter.calls[index] == .pwrite {
                let trial = directory.appending("trial")
                try? FileSystem.removeTree(trial)
                try copyTree(base, to: trial)
                let io = FaultyFileIO(root: trial, failing: index, fault: fault)
                let failure = FileIOSeam.with(io) { () -> Error? in
                    do { _ = try EventLog.compact(trial, topic: topic, now: now, force: true); return nil } catch { return error }
                }
                let label = "compact: call \(index) (\(counter.calls[index].rawValue) of \(io.failedPath ?? "?")) failing with \(fault.rawValue)"
                if let failure { XCTAssertTrue("\(failure)".contains(trial), "\(label): the error names no file under the log: \(failure)") }
                try reopenAndVerify(trial, label: label)
                let found = try evidence(trial)
                if found == old { rolledBack += 1 } else if found == new { finished += 1 } else {
                    let differing = Set(found.keys).union(old.keys).filter { found[$0] != old[$0] }.sorted()
                    XCTFail("\(label): neither the old nor the new file set; differs from the old in \(differing), error \(failure.map { "\($0)" } ?? "none")")
                }
                _ = try EventLog.compact(trial, topic: topic, now: now, force: true)
                XCTAssertTrue(try evidence(trial) == new, "\(label): compacting again does not give the uninterrupted result")
                trials += 1
            }
        }
        XCTAssertGreaterThan(rolledBack, 0)
        XCTAssertGreaterThan(finished, 0, "some faults come after the journal committed")
        print("compaction fault injection: \(counter.calls.count) I/O calls, \(trials) trials: \(rolledBack) rolled back, \(finished) finished")
    }

    var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("rewind").path
    }

    /// The real binary killed with SIGKILL mid-compaction: the next writable open leaves the old
    /// or the new records, and a finished compaction gives the uninterrupted result.
    func testKillNineDuringCompaction() throws {
        var random = SeededRandom.fromEnvironment()
        let base = directory.appending("base")
        try makeBase(base, records: 60_000, segmentBytes: 256 << 10, valueBytes: 200)
        let old = try evidence(base)
        let reference = directory.appending("reference")
        try copyTree(base, to: reference)
        let started = Date()
        _ = try EventLog.compact(reference, topic: topic, now: now, force: true)
        let duration = Date().timeIntervalSince(started)
        let new = try evidence(reference)
        var outcomes: [String: Int] = [:]
        for trial in 0..<6 {
            let path = directory.appending("trial")
            try? FileSystem.removeTree(path)
            try copyTree(base, to: path)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["compact", topic, "--dir", path, "--force", "--now", "\(now.milliseconds)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Double.random(in: 0.05...max(0.1, duration * 1.5), using: &random) * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try reopenAndVerify(path, label: "kill trial \(trial)")
            let found = try evidence(path)
            let outcome = found == old ? "old" : found == new ? "new" : "mix"
            XCTAssertNotEqual(outcome, "mix", "kill trial \(trial): neither the old nor the new file set")
            outcomes[outcome, default: 0] += 1
            _ = try EventLog.compact(path, topic: topic, now: now, force: true)
            XCTAssertTrue(try evidence(path) == new, "kill trial \(trial): compacting again does not give the uninterrupted result")
        }
        print("kill -9 during compaction (\(String(format: "%.2f", duration)) s uninterrupted): \(outcomes)")
    }
}
