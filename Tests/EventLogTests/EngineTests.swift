@testable import EventLog
import Foundation
import TestSupport
import XCTest

func event(_ text: String, key: String? = nil, at milliseconds: Int64, headers: [Header] = []) -> ProducerRecord {
    ProducerRecord(key: key.map { Array($0.utf8) }, value: Array(text.utf8), headers: headers, timestamp: Timestamp(milliseconds: milliseconds))
}

final class EngineTests: XCTestCase {
    var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func openLog(_ mode: EventLog.AccessMode = .readWrite) throws -> EventLog {
        try EventLog.open(directory.path, mode: mode, create: true)
    }

    func testAppendReadAndReopen() throws {
        var log = try openLog()
        try log.createTopic("payments", config: TopicConfig(partitions: 1))
        let first = try log.append([event("a", at: 10), event("b", at: 20)], to: "payments")
        let second = try log.append([event("c", at: 30)], to: "payments")
        XCTAssertEqual(first[0].firstOffset, Offset(0))
        XCTAssertEqual(first[0].lastOffset, Offset(1))
        XCTAssertEqual(second[0].firstOffset, Offset(2))
        log.close()
        log = try openLog(.readOnly)
        defer { log.close() }
        let partition = try log.partition(TopicPartition(topic: "payments", partition: 0))
        XCTAssertEqual(try partition.endOffset(), Offset(3))
        let values = try partition.read(from: .zero, maxRecords: 10).map { String(decoding: $0.value!, as: UTF8.self) }
        XCTAssertEqual(values, ["a", "b", "c"])
        XCTAssertEqual(try partition.read(from: Offset(1), maxRecords: 1).map(\.offset), [Offset(1)])
        XCTAssertEqual(log.repairs, [])
    }

    /// Keys go where Kafka's default partitioner sends them; keyless records spread round-robin.
    func testKeyedRecordsFollowKafkaPartitioner() throws {
        let log = try openLog()
        defer { log.close() }
        try log.createTopic("accounts", config: TopicConfig(partitions: 4))
        let keys = (0..<40).map { "account-\($0)" }
        _ = try log.append(keys.map { event("v", key: $0, at: 1) }, to: "accounts")
        for partition in try log.partitions(of: "accounts") {
            for record in try partition.read(from: .zero, maxRecords: 100) {
                XCTAssertEqual(Partitioner().partition(forKey: record.key!, partitions: 4), partition.topicPartition.partition)
            }
        }
        _ = try log.append((0..<8).map { _ in event("k", at: 1) }, to: "accounts")
        let total = try log.partitions(of: "accounts").reduce(0) { $0 + (try $1.endOffset().rawValue) }
        XCTAssertEqual(total, 48)
    }

    /// For random out-of-order timestamps across many small segments, seeking by time equals the
    /// first offset a linear scan finds with timestamp ≥ T.
    func testSeekByTimeEqualsLinearScanProperty() throws {
        var random = SeededRandom.fromEnvironment()
        let log = try openLog()
        defer { log.close() }
        try log.createTopic("t", config: TopicConfig(partitions: 1, segmentBytes: 8192))
        let partition = try log.partition(TopicPartition(topic: "t", partition: 0))
        var clock: Int64 = 1_000_000
        var all: [(Int64, Int64)] = []
        for _ in 0..<300 {
            let records = (0..<Int.random(in: 1...12, using: &random)).map { _ -> ProducerRecord in
                clock += Int64.random(in: 0...50, using: &random)
                let jitter = Int64.random(in: -400...400, using: &random) // out of order
                return ProducerRecord(value: random.bytes(Int.random(in: 1...120, using: &random)), timestamp: Timestamp(milliseconds: clock + jitter))
            }
            let result = try partition.append(records)
            for (n, record) in records.enumerated() { all.append((result.firstOffset.rawValue + Int64(n), record.timestamp.milliseconds)) }
        }
        XCTAssertGreaterThan(partition.segmentCount, 5)
        let end = try partition.endOffset()
        for _ in 0..<400 {
            let target = Int64.random(in: 999_000...(clock + 1000), using: &random)
            let expected = all.first { $0.1 >= target }?.0 ?? end.rawValue
            XCTAssertEqual(try partition.offset(forTimestamp: Timestamp(milliseconds: target)).rawValue, expected, "T=\(target)")
        }
        // And the same through a read-only open, which loads the index files the writer left.
        log.close()
        let reopened = try openLog(.readOnly)
        defer { reopened.close() }
        let again = try reopened.partition(TopicPartition(topic: "t", partition: 0))
        for _ in 0..<200 {
            let target = Int64.random(in: 999_000...(clock + 1000), using: &random)
            let expected = all.first { $0.1 >= target }?.0 ?? end.rawValue
            XCTAssertEqual(try again.offset(forTimestamp: Timestamp(milliseconds: target)).rawValue, expected, "T=\(target)")
        }
        // Reads from any offset across segment boundaries give that offset first.
        for _ in 0..<100 {
            let start = Int64.random(in: 0..<end.rawValue, using: &random)
            XCTAssertEqual(try again.read(from: Offset(start), maxRecords: 1).first?.offset.rawValue, start)
        }
    }

    func testSecondWriterIsRefusedReadersAreNot() throws {
        let log = try openLog()
        defer { log.close() }
        XCTAssertThrowsError(try EventLog.open(directory.path, mode: .readWrite)) { error in
            XCTAssertEqual((error as! EventLogError).code, .locked)
        }
        let reader = try EventLog.open(directory.path, mode: .readOnly)
        reader.close()
    }

    func testReaderFollowsWriter() throws {
        let log = try openLog()
        defer { log.close() }
        try log.createTopic("live", config: TopicConfig(partitions: 1))
        _ = try log.append([event("one", at: 1)], to: "live")
        let reader = try EventLog.open(directory.path, mode: .readOnly)
        defer { reader.close() }
        let readSide = try reader.partition(TopicPartition(topic: "live", partition: 0))
        XCTAssertEqual(try readSide.endOffset(), Offset(1))
        _ = try log.append([event("two", at: 2), event("three", at: 3)], to: "live")
        XCTAssertEqual(try readSide.waitForRecords(after: Offset(0), timeoutMs: 10), Offset(3))
        XCTAssertEqual(try readSide.read(from: Offset(1), maxRecords: 5).map { String(decoding: $0.value!, as: UTF8.self) }, ["two", "three"])
    }

    func testRetentionDeletesExpiredSegmentsAndAdvancesStart() throws {
        let log = try openLog()
        defer { log.close() }
        try log.createTopic("short", config: TopicConfig(partitions: 1, retentionMs: 1000, segmentBytes: 4096))
        let partition = try log.partition(TopicPartition(topic: "short", partition: 0))
        let big = [UInt8](repeating: 7, count: 1500)
        for n in 0..<20 { try partition.append([ProducerRecord(value: big, timestamp: Timestamp(milliseconds: Int64(n) * 100))]) }
        let segmentsBefore = partition.segmentCount
        XCTAssertGreaterThan(segmentsBefore, 3)
        // Nothing is older than now − 1000 at now = 1000.
        XCTAssertEqual(try log.enforceRetention(now: Timestamp(milliseconds: 1000)), [])
        let removed = try log.enforceRetention(now: Timestamp(milliseconds: 2500))
        XCTAssertFalse(removed.isEmpty)
        XCTAssertTrue(removed.allSatisfy { !FileSystem.exists($0) })
        let start = partition.startOffset
        XCTAssertGreaterThan(start, Offset(0))
        let first = try partition.read(from: .zero, maxRecords: 1)[0]
        XCTAssertEqual(first.offset, start)
        XCTAssertGreaterThanOrEqual(first.timestamp.milliseconds, 0)
        // Every remaining segment holds a record newer than the cutoff (1500).
        XCTAssertGreaterThanOrEqual(try partition.read(from: start, maxRecords: 100).map(\.timestamp.milliseconds).max()!, 1500)
        // Everything expired: the active segment rolls and goes too; the end offset stays.
        _ = try log.enforceRetention(now: Timestamp(milliseconds: 1_000_000))
        XCTAssertEqual(partition.startOffset, Offset(20))
        XCTAssertEqual(try partition.endOffset(), Offset(20))
        XCTAssertEqual(try partition.append([event("after", at: 1_000_000)]).firstOffset, Offset(20))
    }

    func testZeroRetentionKeepsForever() throws {
        let log = try openLog()
        defer { log.close() }
        try log.createTopic("forever", config: TopicConfig(partitions: 1, retentionMs: 0, segmentBytes: 4096))
        for n in 0..<10 { _ = try log.append([ProducerRecord(value: [UInt8](repeating: 1, count: 2000), timestamp: Timestamp(milliseconds: Int64(n)))], to: "forever") }
        XCTAssertEqual(try log.enforceRetention(now: Timestamp(milliseconds: Int64.max / 2)), [])
        XCTAssertEqual(try log.partition(TopicPartition(topic: "forever", partition: 0)).startOffset, .zero)
    }

    /// Committed offsets survive reopen; lag = end − committed; groups are independent.
    func testConsumerGroupsPersistAndReportLag() throws {
        var random = SeededRandom.fromEnvironment()
        var log = try openLog()
        try log.createTopic("payments", config: TopicConfig(partitions: 3))
        _ = try log.append((0..<90).map { event("e\($0)", key: "k\($0)", at: Int64($0)) }, to: "payments")
        var commits: [String: [TopicPartition: Offset]] = [:]
        for group in ["balances", "audit", "search"] {
            var offsets: [TopicPartition: Offset] = [:]
            for partition in try log.partitions(of: "payments") {
                offsets[partition.topicPartition] = Offset(Int64.random(in: 0...(try partition.endOffset().rawValue), using: &random))
            }
            try log.groups.commit(group, offsets)
            commits[group] = offsets
        }
        log.close()
        log = try openLog(.readOnly)
        defer { log.close() }
        XCTAssertEqual(try log.groups.list(), ["audit", "balances", "search"])
        for (group, offsets) in commits {
            XCTAssertEqual(try log.groups.committed(group), offsets)
            for lag in try log.lag(of: group) {
                XCTAssertEqual(lag.lag, lag.endOffset.rawValue - offsets[lag.topicPartition]!.rawValue)
            }
        }
        XCTAssertThrowsError(try log.groups.commit("audit", [:]))
    }

    func testBadInputsAreRefusedWithClearErrors() throws {
        let log = try openLog()
        defer { log.close() }
        XCTAssertThrowsError(try log.createTopic("bad/name", config: TopicConfig())) { XCTAssertEqual(($0 as! EventLogError).code, .invalidArgument) }
        XCTAssertThrowsError(try log.createTopic("t", config: TopicConfig(partitions: 0)))
        XCTAssertThrowsError(try log.createTopic("t", config: TopicConfig(retentionMs: -1)))
        try log.createTopic("t", config: TopicConfig(partitions: 2))
        XCTAssertThrowsError(try log.createTopic("t", config: TopicConfig())) { XCTAssertEqual(($0 as! EventLogError).code, .alreadyExists) }
        XCTAssertThrowsError(try log.append([event("x", at: 1)], to: "nope")) { XCTAssertEqual(($0 as! EventLogError).code, .notFound) }
        XCTAssertThrowsError(try log.append([event("x", at: 1)], to: "t", partition: 2)) { XCTAssertEqual(($0 as! EventLogError).code, .invalidArgument) }
        XCTAssertThrowsError(try log.groups.commit("../evil", [:]))
    }

    /// Concurrent durable appenders: every offset assigned once, all present, group commit shares syncs.
    func testConcurrentDurableAppendsAssignEachOffsetOnce() throws {
        let log = try openLog()
        defer { log.close() }
        try log.createTopic("c", config: TopicConfig(partitions: 1, segmentBytes: 64 << 10))
        let partition = try log.partition(TopicPartition(topic: "c", partition: 0))
        let threads = 4, perThread = 100
        let results = ResultsBox()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for n in 0..<perThread {
                let result = try! partition.append([event("t\(thread)-\(n)", at: Int64(n))], durable: true)
                results.add(result.firstOffset.rawValue, "t\(thread)-\(n)")
            }
        }
        XCTAssertEqual(Set(results.offsets.keys), Set(0..<Int64(threads * perThread)))
        for record in try partition.read(from: .zero, maxRecords: threads * perThread) {
            XCTAssertEqual(results.offsets[record.offset.rawValue], String(decoding: record.value!, as: UTF8.self))
        }
    }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var offsets: [Int64: String] = [:]
    func add(_ offset: Int64, _ value: String) { lock.withLock { offsets[offset] = value } }
}
