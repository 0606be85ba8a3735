import Basics
@testable import EventLog
import TestSupport
import XCTest

/// Reads of one open log check a large batch's CRC once: later reads of it still check its header
/// and sizes, a batch rewritten in place (another stored CRC) is checked again, small batches are
/// checked every time, and verification and a fresh open always read every byte.
final class CheckedBatchesTests: XCTestCase {
    let topic = TopicPartition(topic: "t", partition: 0)

    /// One batch above the memo's size floor, then one below it; returns the log path and the
    /// small batch's byte position.
    func writeBigThenSmall(_ directory: TemporaryDirectory) throws -> (path: String, smallAt: Int) {
        let path = directory.appending("log")
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("t", config: TopicConfig(partitions: 1))
        let value = [UInt8](repeating: 0x61, count: 100)
        let big = (0..<(CheckedBatches.sizeMin / 100 + 50)).map { ProducerRecord(key: nil, value: value, timestamp: Timestamp(milliseconds: 1_000 + Int64($0))) }
        _ = try log.append(big, to: "t")
        _ = try log.append([ProducerRecord(key: nil, value: value, timestamp: Timestamp(milliseconds: 5_000))], to: "t")
        let bytes = try SystemFile(path: segmentPath(path), mode: .readOnly).readAll(limit: 1 << 24)
        let bigLength = bytes[8..<12].reduce(0) { $0 << 8 | Int($1) }
        return (path, 12 + bigLength)
    }

    func segmentPath(_ log: String) -> String { log + "/t-0/00000000000000000000.log" }

    func overwrite(_ log: String, at position: Int, with bytes: [UInt8]) throws {
        let file = try SystemFile(path: segmentPath(log), mode: .readWrite)
        defer { file.close() }
        try file.write(bytes, at: Int64(position))
    }

    func read(_ log: EventLog, _ offset: Int64) throws -> [Record] {
        try log.partition(topic).read(from: Offset(offset), maxRecords: 1)
    }

    func testABigBatchIsCheckedOncePerOpenAndDamageIsStillFoundWhereItMustBe() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (path, smallAt) = try writeBigThenSmall(directory)
        let bigCount = CheckedBatches.sizeMin / 100 + 50
        XCTAssertGreaterThan(smallAt, CheckedBatches.sizeMin, "the first batch is one the memo keeps")

        let log = try EventLog.open(path, mode: .readOnly)
        defer { log.close() }
        XCTAssertEqual(try read(log, 10).first?.offset, Offset(10))
        // A value byte of the big batch changes under the open log: its reads trust the first check…
        try overwrite(path, at: 61 + 5_000, with: [0x62])
        XCTAssertEqual(try read(log, 20).first?.offset, Offset(20))
        // …verification in the same process does not.
        let report = try Verifier.verify(log.partition(topic), log: log)
        XCTAssertFalse(report.problems.isEmpty, "verify reads every byte")

        // A fresh open reads it again and refuses it, naming the file and the batch.
        let reopened = try EventLog.open(path, mode: .readOnly)
        XCTAssertThrowsError(try read(reopened, 20)) { error in
            XCTAssertEqual((error as? EventLogError)?.path, segmentPath(path))
            XCTAssertEqual((error as? EventLogError)?.position, 0)
        }
        reopened.close()

        // A small batch is checked on every read, even in the open log that read it before.
        XCTAssertEqual(try read(log, Int64(bigCount)).first?.offset, Offset(Int64(bigCount)))
        try overwrite(path, at: smallAt + 61 + 20, with: [0x00])
        XCTAssertThrowsError(try read(log, Int64(bigCount)))
    }

    func testABigBatchWithAnotherStoredCRCIsCheckedAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (path, _) = try writeBigThenSmall(directory)
        let log = try EventLog.open(path, mode: .readOnly)
        defer { log.close() }
        XCTAssertEqual(try read(log, 3).count, 1)
        // The stored CRC (bytes 17..<21) is part of what the memo knows a batch by.
        let file = try SystemFile(path: segmentPath(path), mode: .readOnly)
        let crc = try file.read(at: 17, count: 4)
        file.close()
        try overwrite(path, at: 17, with: [crc[0] ^ 0xFF] + crc[1...])
        XCTAssertThrowsError(try read(log, 3)) { error in
            XCTAssertEqual((error as? EventLogError)?.position, 0)
            XCTAssertTrue("\(error)".contains("crc") || "\(error)".contains("CRC"), "\(error)")
        }
    }

    func testTheMemoForgetsTheOldestBeyondItsBound() {
        let memo = CheckedBatches()
        let keys = (0..<(CheckedBatches.kept + 10)).map { CheckedBatches.Key(path: "p", position: $0, size: 1 << 20, crc: UInt32($0)) }
        for key in keys { memo.insert(key) }
        memo.insert(keys.last!)
        XCTAssertFalse(memo.contains(keys[0]))
        XCTAssertFalse(memo.contains(keys[9]))
        XCTAssertTrue(memo.contains(keys[10]))
        XCTAssertTrue(memo.contains(keys.last!))
        XCTAssertFalse(memo.contains(CheckedBatches.Key(path: "p", position: 10, size: 1 << 20, crc: 11)))
    }
}
