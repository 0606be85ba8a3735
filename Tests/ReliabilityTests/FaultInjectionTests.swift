@testable import EventLog
import Foundation
import Interop
import TestSupport
import XCTest

/// Faults injected at every I/O call (open, pread, pwrite, fdatasync, fsync of files and
/// directories, ftruncate, rename, unlink), as SQLite's I/O-error tests do: each workload runs once
/// to count its calls, then once per call index with that call failing with EIO, then ENOSPC, then
/// (for writes) a short write. After each trial the log is reopened with the real file system and
/// must hold every acknowledged event at its offset, serve nothing that was never written, show no
/// torn batch, have group offsets that are the old or the new ones (never a mix), and every error
/// the workload saw must have named a file under the log.
///
/// `make test` runs every `REWIND_FAULT_STRIDE`-th call index (default 7); `make soak` runs all.
final class FaultInjectionTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    static var stride: Int { Int(ProcessInfo.processInfo.environment["REWIND_FAULT_STRIDE"] ?? "") ?? 7 }
    let topic = "t"

    /// What one trial's workload did, as its caller saw it.
    struct Outcome {
        /// Values acknowledged (the call returned), by offset, per partition.
        var acknowledged: [Int32: [Int64: String]] = [:]
        /// Values whose append failed: they may or may not be in the log afterwards.
        var attempted: Set<String> = []
        var errors: [String] = []
        /// Group offsets acknowledged last, and those of a commit that failed (either may be on disk).
        var committed: [TopicPartition: Offset]?
        var failedCommit: [TopicPartition: Offset]?
        /// Events that retention may have deleted.
        var expirable: Set<String> = []
        /// An import that failed must leave no topic; one that returned, the whole topic.
        var importedTopic: (name: String, complete: Bool, values: [String])?
    }

    /// The log each trial starts from: topic `t` (2 partitions, 8 KiB segments so appends roll and
    /// write index entries), a few events in it, and a group commit.
    func makeBase() throws -> String {
        let path = directory.appending("base")
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic(topic, config: TopicConfig(partitions: 2, retentionMs: 3_600_000, segmentBytes: 8 << 10))
        for partition in Int32(0)..<2 {
            // Old events (a day back) fill a segment of their own, for retention to delete.
            for n in 0..<4 {
                try log.partition(TopicPartition(topic: topic, partition: partition))
                    .append(batch("base-\(partition)-\(n)", count: 16, at: 1_000_000))
            }
        }
        try log.groups.commit("g", [TopicPartition(topic: topic, partition: 0): Offset(1), TopicPartition(topic: topic, partition: 1): Offset(1)])
        return path
    }

    func batch(_ prefix: String, count: Int, at milliseconds: Int64) -> [ProducerRecord] {
        (0..<count).map { ProducerRecord(key: Array("k".utf8), value: Array("\(prefix)-\($0)-".utf8) + [UInt8](repeating: 0x7E, count: 120),
                                         timestamp: Timestamp(milliseconds: milliseconds + Int64($0))) }
    }

    /// The name a value carries before its padding.
    static func value(_ bytes: [UInt8]?) -> String { String(decoding: bytes!.prefix { $0 != 0x7E }, as: UTF8.self) }
    static func value(_ record: Record) -> String { value(record.value) }
    static func value(_ record: ProducerRecord) -> String { value(record.value) }

    // MARK: Workloads

    func appendWorkload(durable: Bool) -> (String) -> Outcome {
        { [self] path in
            var outcome = Outcome()
            let log: EventLog
            do { log = try EventLog.open(path, mode: .readWrite) } catch { outcome.errors.append("\(error)"); return outcome }
            defer { log.close() }
            for n in 0..<14 {
                let partition = Int32(n % 2)
                let records = batch("a\(n)", count: 6, at: 2_000_000_000 + Int64(n) * 10)
                do {
                    let result = try log.partition(TopicPartition(topic: topic, partition: partition)).append(records, durable: durable)
                    for (index, record) in records.enumerated() {
                        outcome.acknowledged[partition, default: [:]][result.firstOffset.rawValue + Int64(index)] = Self.value(record)
                    }
                } catch {
                    outcome.errors.append("\(error)")
                    for record in records { outcome.attempted.insert(Self.value(record)) }
                }
            }
            if !durable {
                do { for partition in try log.partitions(of: topic) { try partition.sync() } } catch {
                    outcome.errors.append("\(error)")
                    // Not made durable: still acknowledged as written (a real process keeps its page cache).
                }
            }
            return outcome
        }
    }

    func groupCommitWorkload(_ path: String) -> Outcome {
        var outcome = Outcome()
        let log: EventLog
        do { log = try EventLog.open(path, mode: .readWrite) } catch { outcome.errors.append("\(error)"); return outcome }
        defer { log.close() }
        outcome.committed = [TopicPartition(topic: topic, partition: 0): Offset(1), TopicPartition(topic: topic, partition: 1): Offset(1)]
        for n in Int64(2)...5 {
            let offsets = [TopicPartition(topic: topic, partition: 0): Offset(n), TopicPartition(topic: topic, partition: 1): Offset(n * 2)]
            do {
                try log.groups.commit("g", offsets)
                outcome.committed = offsets
            } catch {
                outcome.errors.append("\(error)")
                outcome.failedCommit = offsets
                break
            }
        }
        return outcome
    }

    func retentionWorkload(_ path: String) -> Outcome {
        var outcome = Outcome()
        for partition in Int32(0)..<2 {
            for n in 0..<4 { for i in 0..<16 { outcome.expirable.insert("base-\(partition)-\(n)-\(i)-") } }
        }
        let log: EventLog
        do { log = try EventLog.open(path, mode: .readWrite) } catch { outcome.errors.append("\(error)"); return outcome }
        defer { log.close() }
        do {
            for n in 0..<6 {
                let partition = Int32(n % 2)
                let records = batch("r\(n)", count: 6, at: 2_000_000_000 + Int64(n))
                let result = try log.partition(TopicPartition(topic: topic, partition: partition)).append(records)
                for (index, record) in records.enumerated() {
                    outcome.acknowledged[partition, default: [:]][result.firstOffset.rawValue + Int64(index)] = Self.value(record)
                }
            }
            _ = try log.enforceRetention(now: Timestamp(milliseconds: 2_000_000_000))
        } catch {
            outcome.errors.append("\(error)")
        }
        return outcome
    }

    func importWorkload(_ path: String) -> Outcome {
        var outcome = Outcome()
        let lines = (0..<300).map { #"{"n":\#($0),"pad":"\#(String(repeating: "p", count: 60))"}"# }
        let log: EventLog
        do { log = try EventLog.open(path, mode: .readWrite) } catch { outcome.errors.append("\(error)"); return outcome }
        defer { log.close() }
        do {
            _ = try Importer.importLines(lines, name: "capture.jsonl", into: log, topic: "imported",
                                         options: ImportOptions(format: .jsonl, now: Timestamp(milliseconds: 2_000_000_000)))
            outcome.importedTopic = ("imported", true, lines)
        } catch {
            outcome.errors.append("\(error)")
            outcome.importedTopic = ("imported", false, lines)
        }
        return outcome
    }

    // MARK: The sweep

    func sweep(_ name: String, _ workload: (String) -> Outcome) throws {
        let base = try makeBase()
        let probe = directory.appending("probe")
        try copyTree(base, to: probe)
        let counter = FaultyFileIO(root: probe, failing: nil)
        _ = FileIOSeam.with(counter) { workload(probe) }
        let calls = counter.calls
        XCTAssertGreaterThan(calls.count, 10, "\(name): the workload must do I/O")
        var trials = 0
        for index in Swift.stride(from: 0, to: calls.count, by: Self.stride) {
            for fault in FaultyFileIO.Fault.allCases where fault != .shortWrite || calls[index] == .pwrite {
                let trial = directory.appending("trial")
                try? FileSystem.removeTree(trial)
                try copyTree(base, to: trial)
                let io = FaultyFileIO(root: trial, failing: index, fault: fault)
                let outcome = FileIOSeam.with(io) { workload(trial) }
                try check(outcome, in: trial, label: "\(name): call \(index) (\(calls[index].rawValue) of \(io.failedPath ?? "?")) failing with \(fault.rawValue)")
                trials += 1
            }
        }
        Self.totals.add(name: name, calls: calls.count, trials: trials)
        print("fault injection \(name): \(calls.count) I/O calls, \(trials) trials, every check held")
    }

    func check(_ outcome: Outcome, in path: String, label: String) throws {
        for error in outcome.errors {
            XCTAssertTrue(error.contains(path), "\(label): the error names no file under the log: \(error)")
        }
        let log: EventLog
        do {
            log = try EventLog.open(path, mode: .readWrite)
        } catch {
            return XCTFail("\(label): the reopen failed: \(error)")
        }
        defer { log.close() }
        if let imported = outcome.importedTopic {
            let present = log.topics().contains { $0.name == imported.name }
            if imported.complete { XCTAssertTrue(present, "\(label): an acknowledged import is missing") }
            if present {
                let values = try log.partitions(of: imported.name).flatMap { try $0.read(from: .zero, maxRecords: 10_000) }.map { String(decoding: $0.value!, as: UTF8.self) }
                XCTAssertEqual(values.count, imported.values.count, "\(label): an import is all or nothing")
            }
        }
        for partition in try log.partitions(of: topic) {
            let records = try partition.read(from: .zero, maxRecords: 100_000)
            var seen = Set<String>()
            for record in records {
                let value = Self.value(record)
                XCTAssertTrue(seen.insert(value).inserted, "\(label): \(value) served twice")
                let known = value.hasPrefix("base-") || outcome.attempted.contains(value)
                    || outcome.acknowledged[partition.topicPartition.partition]?[record.offset.rawValue] == value
                XCTAssertTrue(known, "\(label): \(value) at \(partition.topicPartition)@\(record.offset) was never written there")
            }
            let byOffset = Dictionary(records.map { ($0.offset.rawValue, Self.value($0)) }, uniquingKeysWith: { first, _ in first })
            for (offset, value) in outcome.acknowledged[partition.topicPartition.partition] ?? [:] {
                XCTAssertEqual(byOffset[offset], value, "\(label): acknowledged \(value) lost at \(partition.topicPartition)@\(offset)")
            }
            for n in 0..<4 { for i in 0..<16 {
                let value = "base-\(partition.topicPartition.partition)-\(n)-\(i)-"
                if !outcome.expirable.contains(value) { XCTAssertTrue(seen.contains(value), "\(label): \(value) of the base log lost") }
            } }
        }
        let report = try Verifier.verify(log)
        XCTAssertEqual(report.problems, [], "\(label): verify after recovery")
        XCTAssertEqual(report.incompleteTails, [], "\(label): a torn batch is visible")
        if let committed = outcome.committed {
            let onDisk = try log.groups.committed("g")
            XCTAssertTrue(onDisk == committed || onDisk == outcome.failedCommit, "\(label): group offsets \(onDisk) are neither the old nor the new ones")
        }
    }

    func testFaultsDuringAppends() throws { try sweep("append", appendWorkload(durable: false)) }
    func testFaultsDuringDurableAppends() throws { try sweep("durable append", appendWorkload(durable: true)) }
    func testFaultsDuringGroupCommits() throws { try sweep("group commit", groupCommitWorkload) }
    func testFaultsDuringRetention() throws { try sweep("retention", retentionWorkload) }
    func testFaultsDuringImport() throws { try sweep("import", importWorkload) }

    /// `rewind repair` failing at each of its I/O calls: afterwards a writable open either still
    /// refuses (the repair never committed: every segment byte as it was, no quarantine file) or
    /// finishes it (the journal committed: the repaired files exactly) — never a mix — and running the
    /// repair again gives exactly the files an uninterrupted repair gives.
    func testFaultsDuringRepair() throws {
        let damaged = directory.appending("damaged")
        let log = try EventLog.open(damaged, mode: .readWrite, create: true)
        try log.createTopic("r", config: TopicConfig(partitions: 1))
        let segment = damaged + "/r-0/00000000000000000000.log"
        var starts: [Int] = []
        for n in 0..<20 {
            starts.append(FileSystem.exists(segment) ? Int(try FileSystem.fileSize(segment)) : 0)
            try log.partition(TopicPartition(topic: "r", partition: 0)).append(batch("b\(n)", count: 10, at: 2_000_000_000 + Int64(n)))
        }
        log.close()
        let file = try SystemFile(path: segment, mode: .readWrite)
        var length = try file.read(at: Int64(starts[10] + 8), count: 4)
        length[3] &+= 7
        try file.write(length, at: Int64(starts[10] + 8))
        file.close()
        let damagedSegment = try SystemFile(path: segment, mode: .readOnly).readAll(limit: 1 << 24)

        func evidence(_ path: String) throws -> [String: [UInt8]] {
            var files: [String: [UInt8]] = [:]
            for name in try FileSystem.listDirectory(path + "/r-0") where name.hasSuffix(".log") || name.hasSuffix(".chain") || name.contains("corrupt") || name.contains("repair") {
                files[name] = try SystemFile(path: path + "/r-0/" + name, mode: .readOnly).readAll(limit: 1 << 24)
            }
            return files
        }
        let reference = directory.appending("reference")
        try copyTree(damaged, to: reference)
        _ = try EventLog.repair(reference)
        let repaired = try evidence(reference)
        XCTAssertEqual(repaired.keys.filter { $0.contains("corrupt") }.count, 1)

        let probe = directory.appending("probe")
        try copyTree(damaged, to: probe)
        let counter = FaultyFileIO(root: probe, failing: nil)
        _ = FileIOSeam.with(counter) { try? EventLog.repair(probe) }
        var trials = 0, finished = 0, rolledBack = 0
        for index in 0..<counter.calls.count {
            for fault in FaultyFileIO.Fault.allCases where fault != .shortWrite || counter.calls[index] == .pwrite {
                let trial = directory.appending("trial")
                try? FileSystem.removeTree(trial)
                try copyTree(damaged, to: trial)
                let io = FaultyFileIO(root: trial, failing: index, fault: fault)
                let label = "repair: call \(index) (\(counter.calls[index].rawValue) of \(io.failedPath ?? "?")) failing with \(fault.rawValue)"
                let failure = FileIOSeam.with(io) { () -> Error? in
                    do { _ = try EventLog.repair(trial); return nil } catch { return error }
                }
                if let failure { XCTAssertTrue("\(failure)".contains(trial), "\(label): \(failure)") }
                if let reopened = try? EventLog.open(trial, mode: .readWrite) {
                    reopened.close()
                    XCTAssertEqual(try evidence(trial), repaired, "\(label): the open finished the repair, so the files are the repaired ones")
                    finished += 1
                } else {
                    let now = try evidence(trial)
                    XCTAssertEqual(now["00000000000000000000.log"], damagedSegment, "\(label): a refused open after an uncommitted repair keeps the segment")
                    XCTAssertFalse(now.keys.contains { $0.contains("corrupt") || $0.contains("repair") }, "\(label): \(now.keys.sorted())")
                    rolledBack += 1
                }
                _ = try EventLog.repair(trial)
                XCTAssertEqual(try evidence(trial), repaired, "\(label): repairing again")
                trials += 1
            }
        }
        XCTAssertGreaterThan(finished, 0)
        XCTAssertGreaterThan(rolledBack, 0)
        Self.totals.add(name: "repair", calls: counter.calls.count, trials: trials)
        print("fault injection repair: \(counter.calls.count) I/O calls, \(trials) trials (\(finished) finished by the next open, \(rolledBack) rolled back), every check held")
    }

    /// After a failed fdatasync the page cache's state is unknown (fsyncgate): the partition refuses
    /// every later append, naming the file, until the log is reopened; what was acknowledged before
    /// is there after the reopen.
    func testAFailedFsyncStopsThePartitionUntilReopened() throws {
        let base = try makeBase()
        let partitionID = TopicPartition(topic: topic, partition: 0)
        var log = try EventLog.open(base, mode: .readWrite)
        let first = try log.partition(partitionID).append(batch("before", count: 3, at: 2_000_000_000), durable: true)
        let io = FaultyFileIO(root: base, failingFirst: .fdatasync)
        let failure = FileIOSeam.with(io) { () -> Error? in
            do { _ = try log.partition(partitionID).append(batch("during", count: 3, at: 2_000_000_100), durable: true); return nil } catch { return error }
        }
        XCTAssertEqual(io.failedCall, .fdatasync)
        XCTAssertTrue("\(failure.map { "\($0)" } ?? "no error")".contains("sync failed"), "\(String(describing: failure))")
        XCTAssertThrowsError(try log.partition(partitionID).append(batch("after", count: 1, at: 2_000_000_200))) { error in
            XCTAssertTrue("\(error)".contains("stops accepting appends"), "\(error)")
            XCTAssertTrue("\(error)".contains(base), "\(error)")
        }
        log.close()
        log = try EventLog.open(base, mode: .readWrite)
        defer { log.close() }
        let values = try log.partition(partitionID).read(from: first.firstOffset, maxRecords: 100).map { Self.value($0) }
        XCTAssertEqual(Array(values.prefix(3)), ["before-0-", "before-1-", "before-2-"])
        XCTAssertFalse(values.contains("after-0-"))
        XCTAssertNoThrow(try log.partition(partitionID).append(batch("reopened", count: 1, at: 2_000_000_300)))
    }

    /// The soak's figure: how many faults were injected in all.
    final class Totals: @unchecked Sendable {
        private let lock = NSLock()
        private var trials = 0
        func add(name: String, calls: Int, trials count: Int) { lock.withLock { trials += count } }
        var count: Int { lock.withLock { trials } }
    }
    static let totals = Totals()
}
