@testable import EventLog
import Foundation
import TestSupport
import XCTest

/// A random changelog written through the engine: keyed records over a few keys, tombstones,
/// keyless records, and transactions of three producers that commit, abort or stay open.
struct RandomChangelog {
    enum Fate: Equatable { case plain, committed, aborted, open, control }

    struct Written {
        var offset: Int64
        var key: [UInt8]?
        var value: [UInt8]?
        var timestamp: Int64
        var producerId: Int64
        var fate: Fate
    }

    static let topic = "c"
    static let deleteRetentionMs: Int64 = 20_000

    static var config: TopicConfig {
        var config = TopicConfig(partitions: 1, segmentBytes: Limits.segmentBytesMin)
        config.cleanupPolicy = .compact
        config.deleteRetentionMs = deleteRetentionMs
        config.minCleanableDirtyRatio = 0
        return config
    }

    /// Writes `steps` random appends into a new log at `path`; returns every record by offset.
    static func write(_ path: String, steps: Int, random: inout SeededRandom, keys: Int = 8, leaveOpen: Bool) throws -> [Written] {
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic(topic, config: config)
        let partition = try log.partition(TopicPartition(topic: topic, partition: 0))
        var encoder = RecordBatchEncoder()
        var written: [Written] = []
        var running: [Int64: [Int]] = [:] // producer → indexes into `written` of its open transaction
        var sequence: [Int64: Int32] = [:]
        var time: Int64 = 1_700_000_000_000
        func records(_ count: Int, step: Int) -> [ProducerRecord] {
            (0..<count).map { n in
                time += Int64.random(in: 1...900, using: &random)
                let key: [UInt8]? = Int.random(in: 0..<25, using: &random) == 0 ? nil : Array("k\(Int.random(in: 0..<keys, using: &random))".utf8)
                let value: [UInt8]? = Int.random(in: 0..<6, using: &random) == 0 ? nil
                    : Array("v-\(step)-\(n)-".utf8) + [UInt8](repeating: 0x2E, count: Int.random(in: 0...160, using: &random))
                return ProducerRecord(key: key, value: value, headers: n == 0 ? [Header(key: "h", value: [UInt8(step & 0xFF)])] : [], timestamp: Timestamp(milliseconds: time))
            }
        }
        for step in 0..<steps {
            let choice = Int.random(in: 0..<10, using: &random)
            let producer = Int64.random(in: 1...3, using: &random)
            if choice < 6 {
                let batch = records(Int.random(in: 1...5, using: &random), step: step)
                let result = try partition.append(batch)
                for (n, record) in batch.enumerated() {
                    written.append(Written(offset: result.firstOffset.rawValue + Int64(n), key: record.key, value: record.value,
                                           timestamp: record.timestamp.milliseconds, producerId: -1, fate: .plain))
                }
            } else if choice < 8 || running[producer] == nil {
                let batch = records(Int.random(in: 1...4, using: &random), step: step)
                let identity = ProducerIdentity(producerId: producer, producerEpoch: 0, baseSequence: sequence[producer, default: 0])
                sequence[producer, default: 0] += Int32(batch.count)
                encoder.encode(batch, baseOffset: .zero, producer: identity, isTransactional: true)
                let result = try partition.appendBatch(encoder.buffer)
                for (n, record) in batch.enumerated() {
                    running[producer, default: []].append(written.count)
                    written.append(Written(offset: result.firstOffset.rawValue + Int64(n), key: record.key, value: record.value,
                                           timestamp: record.timestamp.milliseconds, producerId: producer, fate: .open))
                }
            } else {
                let commit = Bool.random(using: &random)
                try endTransaction(of: producer, commit: commit)
            }
        }
        if !leaveOpen { for producer in running.keys.sorted() { try endTransaction(of: producer, commit: true) } }
        return written

        func endTransaction(of producer: Int64, commit: Bool) throws {
            time += 1
            let marker = ProducerRecord(key: [0, 0, 0, commit ? 1 : 0], value: [0, 0, 0, 0, 0, 0], timestamp: Timestamp(milliseconds: time))
            encoder.encode([marker], baseOffset: .zero, producer: ProducerIdentity(producerId: producer, producerEpoch: 0, baseSequence: -1),
                           isTransactional: true, isControl: true)
            let result = try partition.appendBatch(encoder.buffer)
            for index in running.removeValue(forKey: producer) ?? [] { written[index].fate = commit ? .committed : .aborted }
            written.append(Written(offset: result.firstOffset.rawValue, key: marker.key, value: marker.value, timestamp: time, producerId: producer, fate: .control))
        }
    }

    /// What a cleaner must leave, computed from what was written (not from the engine's reading):
    /// the sealed segments before the first open transaction keep exactly each key's latest
    /// committed record, unless it is a tombstone past delete.retention.ms, plus every marker.
    static func expectedAfterCompaction(_ written: [Written], segmentBases bases: [Int64], nowMs: Int64) -> (kept: [Written], cleanedUpTo: Int64) {
        let active = bases.last!
        let firstOpen = written.filter { $0.fate == .open }.map(\.offset).min() ?? Int64.max
        let cleanedUpTo = bases.filter { $0 <= min(active, firstOpen) }.max()!
        var latest: [[UInt8]: Int64] = [:]
        for record in written where record.offset < active && (record.fate == .plain || record.fate == .committed) {
            guard let key = record.key else { continue }
            latest[key] = max(latest[key] ?? -1, record.offset)
        }
        let kept = written.filter { record in
            if record.offset >= cleanedUpTo || record.fate == .control { return true }
            guard let key = record.key, record.fate == .plain || record.fate == .committed, latest[key] == record.offset else { return false }
            return !(record.value == nil && record.timestamp < nowMs - deleteRetentionMs)
        }
        return (kept, cleanedUpTo)
    }

    static func segmentBases(_ path: String) throws -> [Int64] {
        try FileSystem.listDirectory(path + "/" + topic + "-0").compactMap(Segment.baseOffset(fromFileName:)).sorted()
    }

    /// The latest value per key a read_committed reader folds (tombstones delete).
    static func table(of partition: PartitionLog) throws -> [[UInt8]: [UInt8]] {
        let aborted = try partition.abortedTransactions()
        var table: [[UInt8]: [UInt8]] = [:]
        try partition.forEachRecord(from: .zero) { record, batch in
            guard !batch.header.isControl, !aborted.contains(batch.header, offset: record.offset.rawValue), let key = record.key else { return true }
            table[Array(key)] = record.value.map(Array.init)
            return true
        }
        return table
    }
}

final class CompactionTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    struct Seen: Equatable, CustomStringConvertible {
        var offset: Int64
        var key: [UInt8]?
        var value: [UInt8]?
        var timestamp: Int64
        var producerId: Int64
        var description: String { "\(offset):\(key.map { String(decoding: $0, as: UTF8.self) } ?? "-")=\(value.map { String(decoding: $0.prefix(12), as: UTF8.self) } ?? "null")" }
    }

    func read(_ partition: PartitionLog) throws -> [Seen] {
        var seen: [Seen] = []
        try partition.forEachRecord(from: .zero) { record, batch in
            seen.append(Seen(offset: record.offset.rawValue, key: record.key.map(Array.init), value: record.value.map(Array.init),
                             timestamp: record.timestamp.milliseconds, producerId: batch.header.producerId))
            return true
        }
        return seen
    }

    /// Property: after `compact` the log holds exactly the latest record per key at its own offset
    /// (random keys, tombstones, transactions), a read_committed table equals the one before, the
    /// end offset and batch metadata stay, indexes are what the writer would write, verify passes
    /// and a head recorded before compaction is still checked. A second run changes nothing.
    func testCompactionKeepsExactlyTheLatestRecordPerKey() throws {
        var random = SeededRandom.fromEnvironment()
        for trial in 0..<12 {
            let path = directory.appending("log-\(trial)")
            let written = try RandomChangelog.write(path, steps: Int.random(in: 60...260, using: &random), random: &random, leaveOpen: trial % 3 == 0)
            let bases = try RandomChangelog.segmentBases(path)
            let nowMs = written.map(\.timestamp).max()! + Int64.random(in: 0...200_000, using: &random)
            let expected = RandomChangelog.expectedAfterCompaction(written, segmentBases: bases, nowMs: nowMs)
            let label = "trial \(trial) (seed \(random.seed)), \(written.count) records, \(bases.count) segments"

            let before = try EventLog.open(path, mode: .readOnly)
            let partitionBefore = try before.partition(TopicPartition(topic: RandomChangelog.topic, partition: 0))
            let tableBefore = try RandomChangelog.table(of: partitionBefore)
            let endBefore = try partitionBefore.endOffset()
            let head = try ChainExpectation(parsing: Verifier.verify(before).heads[0].description)
            let chainFilesBefore = try directoryContents(path).filter { $0.key.hasSuffix(".chain") }
            XCTAssertEqual(try read(partitionBefore).map(\.offset), written.map(\.offset), label)
            before.close()

            let reports = try EventLog.compact(path, topic: RandomChangelog.topic, now: Timestamp(milliseconds: nowMs), force: true)
            XCTAssertEqual(reports.count, 1)
            XCTAssertEqual(reports[0].cleanedUpTo, expected.cleanedUpTo, label)

            let after = try EventLog.open(path, mode: .readOnly)
            let partition = try after.partition(TopicPartition(topic: RandomChangelog.topic, partition: 0))
            let seen = try read(partition)
            let want = expected.kept.map { Seen(offset: $0.offset, key: $0.key, value: $0.value, timestamp: $0.timestamp, producerId: $0.producerId) }
            XCTAssertEqual(seen, want, "\(label): the compacted log differs from the reference")
            XCTAssertEqual(try RandomChangelog.table(of: partition), tableBefore, "\(label): the table a reader folds changed")
            XCTAssertEqual(try partition.endOffset(), endBefore, label)
            let report = try Verifier.verify(after, expecting: [head])
            XCTAssertEqual(report.problems, [], label)
            XCTAssertEqual(report.staleIndexes, [], "\(label): indexes are not the ones the writer would build")
            XCTAssertEqual(report.heads.first?.status, .verified, label)
            // Checked through the compaction history where the chain was re-rooted, directly where
            // the cleaner removed nothing (a transaction open over the first sealed segment, or
            // every record already the latest of its key): either way it is checked.
            XCTAssertEqual(report.matchedExpectations.count, 1, "\(label): the head recorded before compaction (\(reports[0].skipped ?? "compacted"))")
            if reports[0].history == nil {
                XCTAssertEqual(try directoryContents(path).filter { $0.key.hasSuffix(".chain") }, chainFilesBefore, "\(label): no history, yet the chain changed")
            }
            after.close()

            let files = try directoryContents(path)
            _ = try EventLog.compact(path, topic: RandomChangelog.topic, now: Timestamp(milliseconds: nowMs), force: false)
            let again = try EventLog.open(path, mode: .readOnly)
            XCTAssertEqual(try read(again.partition(TopicPartition(topic: RandomChangelog.topic, partition: 0))), want, "\(label): a second compaction changed records")
            again.close()
            XCTAssertTrue(try directoryContents(path) == files, "\(label): compacting a clean log again changed its files")
        }
    }

    func directoryContents(_ path: String) throws -> [String: [UInt8]] {
        let partition = path + "/" + RandomChangelog.topic + "-0"
        var files: [String: [UInt8]] = [:]
        for name in try FileSystem.listDirectory(partition) where name != ".lock" {
            files[name] = try SystemFile(path: partition + "/" + name, mode: .readOnly).readAll(limit: 1 << 26)
        }
        return files
    }

    /// Kafka: `compact` alone ignores retention.ms; `compact,delete` applies both.
    func testRetentionAppliesOnlyWithTheDeletePolicy() throws {
        for policy in CleanupPolicy.allCases {
            let path = directory.appending("retention-\(policy.rawValue)")
            let log = try EventLog.open(path, mode: .readWrite, create: true)
            var config = TopicConfig(partitions: 1, retentionMs: 1000, segmentBytes: Limits.segmentBytesMin)
            config.cleanupPolicy = policy
            try log.createTopic("t", config: config)
            let partition = try log.partition(TopicPartition(topic: "t", partition: 0))
            for n in 0..<60 {
                try partition.append([ProducerRecord(key: Array("k\(n % 5)".utf8), value: [UInt8](repeating: 1, count: 200), timestamp: Timestamp(milliseconds: 1000 + Int64(n)))])
            }
            let removed = try log.enforceRetention(now: Timestamp(milliseconds: 1_000_000))
            XCTAssertEqual(removed.isEmpty, !policy.deletes, "\(policy.rawValue): retention removed \(removed.count) segments")
            log.close()
        }
    }

    func testCompactionRefusesDeletePolicyTopicsAndCapturedLogs() throws {
        let path = directory.appending("log")
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        try log.createTopic("events", config: TopicConfig(partitions: 1))
        log.close()
        XCTAssertThrowsError(try EventLog.compact(path, topic: "events", now: Timestamp(milliseconds: 0))) { error in
            XCTAssertTrue("\(error)".contains("cleanup.policy=delete"), "\(error)")
        }
        XCTAssertEqual(try EventLog.compact(path, now: Timestamp(milliseconds: 0)).count, 0, "no compacted topic, nothing cleaned")
        let captured = directory.appending("captured")
        _ = try TransactionFixture.write(into: captured)
        let bytes = try SystemFile(path: captured + "/payments-0/00000000000000000000.log", mode: .readOnly).readAll(limit: 1 << 20)
        XCTAssertThrowsError(try EventLog.compact(captured, now: Timestamp(milliseconds: 0))) { error in
            XCTAssertTrue("\(error)".contains("captured log is never modified"), "\(error)")
        }
        XCTAssertEqual(try SystemFile(path: captured + "/payments-0/00000000000000000000.log", mode: .readOnly).readAll(limit: 1 << 20), bytes)
    }

    func testTopicAlterStoresThePolicyAsKafkaConfigKeys() throws {
        let path = directory.appending("log")
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        try log.createTopic("t", config: TopicConfig(partitions: 2))
        try log.alterTopic("t") { $0.cleanupPolicy = .compactDelete; $0.deleteRetentionMs = 3_600_000 }
        XCTAssertThrowsError(try log.alterTopic("t") { $0.partitions = 3 })
        XCTAssertThrowsError(try log.alterTopic("t") { $0.minCleanableDirtyRatio = 1.5 })
        log.close()
        let text = String(decoding: try SystemFile(path: path + "/rewind.json", mode: .readOnly).readAll(limit: 1 << 16), as: UTF8.self)
        XCTAssertTrue(text.contains(#""cleanup.policy" : "compact,delete""#), text)
        XCTAssertTrue(text.contains(#""delete.retention.ms" : 3600000"#), text)
        let reopened = try EventLog.open(path, mode: .readOnly)
        XCTAssertEqual(reopened.topics().first?.config?.policy, .compactDelete)
        reopened.close()
    }
}
