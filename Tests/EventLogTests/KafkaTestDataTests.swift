@testable import EventLog
import Foundation
import TestSupport
import XCTest

/// What the independent encoder says each record is (../shared/testdata/kafka/expected.jsonl).
struct ExpectedRecord {
    var topic: String
    var partition: Int32
    var offset: Int64
    var timestamp: Int64
    var timestampType: Int
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [Header]
    var batch: [String: Any]

    static func load(_ path: String) throws -> [ExpectedRecord] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let headers = (object["headers"] as? [[Any]] ?? []).map { pair in
                Header(key: pair[0] as! String, value: decodeBytes(pair[1]))
            }
            return ExpectedRecord(
                topic: object["topic"] as! String, partition: Int32(object["partition"] as! Int),
                offset: Int64(object["offset"] as! Int), timestamp: Int64(object["timestamp"] as! Int),
                timestampType: object["timestamp_type"] as? Int ?? 0,
                key: decodeBytes(object["key"] as Any), value: decodeBytes(object["value"] as Any), headers: headers,
                batch: object["batch"] as? [String: Any] ?? [:])
        }
    }

    static func decodeBytes(_ value: Any) -> [UInt8]? {
        guard let object = value as? [String: String] else { return nil }
        if let text = object["utf8"] { return Array(text.utf8) }
        if let base64 = object["base64"] { return Array(Data(base64Encoded: base64)!) }
        return nil
    }
}

final class KafkaTestDataTests: XCTestCase {
    func expected(_ topic: String, _ partition: Int32) throws -> [ExpectedRecord] {
        try ExpectedRecord.load(sharedTestData("kafka/expected.jsonl")).filter { $0.topic == topic && $0.partition == partition }
    }

    func assertMatches(_ record: Record, _ want: ExpectedRecord, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(record.offset.rawValue, want.offset, file: file, line: line)
        XCTAssertEqual(record.timestamp.milliseconds, want.timestamp, "offset \(want.offset)", file: file, line: line)
        XCTAssertEqual(record.batch.timestampType.rawValue, want.timestampType, "offset \(want.offset)", file: file, line: line)
        XCTAssertEqual(record.key, want.key, "key at offset \(want.offset)", file: file, line: line)
        XCTAssertEqual(record.value, want.value, "value at offset \(want.offset)", file: file, line: line)
        XCTAssertEqual(record.headers, want.headers, "headers at offset \(want.offset)", file: file, line: line)
        XCTAssertEqual(record.batch.baseOffset.rawValue, Int64(want.batch["base_offset"] as! Int), file: file, line: line)
        XCTAssertEqual(record.batch.compression.rawValue, want.batch["compression"] as? Int, file: file, line: line)
        XCTAssertEqual(record.batch.isTransactional, want.batch["transactional"] as? Bool, file: file, line: line)
        XCTAssertEqual(record.batch.isControl, want.batch["control"] as? Bool, file: file, line: line)
        XCTAssertEqual(record.batch.producerId, Int64(want.batch["producer_id"] as! Int), file: file, line: line)
        XCTAssertEqual(record.batch.producerEpoch, Int16(want.batch["producer_epoch"] as! Int), file: file, line: line)
        XCTAssertEqual(record.batch.baseSequence, Int32(want.batch["base_sequence"] as! Int), file: file, line: line)
    }

    /// payments-1: many single-record batches, binary keys, empty values — every record exact.
    func testUncompressedPartitionDecodesExactly() throws {
        let log = try EventLog.open(sharedTestData("kafka/payments-1"), mode: .readOnly)
        defer { log.close() }
        let partition = try log.partition(TopicPartition(topic: "payments", partition: 1))
        let records = try partition.read(from: partition.startOffset, maxRecords: 10_000)
        let want = try expected("payments", 1)
        XCTAssertEqual(records.count, want.count)
        XCTAssertFalse(want.isEmpty)
        for (record, expected) in zip(records, want) { assertMatches(record, expected) }
    }

    /// payments-0: every uncompressed batch (plain, transactional, the COMMIT control batch) decodes
    /// exactly; a compressed batch fails with a codec error naming the file and its byte position.
    func testMixedPartitionUncompressedExactCompressedReported() throws {
        let path = sharedTestData("kafka/payments-0")
        let log = try EventLog.open(path, mode: .readOnly)
        defer { log.close() }
        let partition = try log.partition(TopicPartition(topic: "payments", partition: 0))
        let want = try expected("payments", 0)
        var checked = 0
        var codecErrors = 0
        for batchStart in Set(want.map { $0.batch["base_offset"] as! Int }).sorted() {
            let batch = want.filter { $0.batch["base_offset"] as! Int == batchStart }
            if batch[0].batch["compression"] as! Int == 0 {
                var got: [Record] = []
                try partition.forEachRecord(from: Offset(Int64(batchStart))) { view, context in
                    got.append(view.materialize(batch: context.info))
                    return got.count < batch.count // stop before the next batch, which may be compressed
                }
                XCTAssertEqual(got.count, batch.count)
                for (record, expected) in zip(got, batch) { assertMatches(record, expected) }
                checked += got.count
            } else {
                XCTAssertThrowsError(try partition.read(from: Offset(Int64(batchStart)), maxRecords: 1)) { error in
                    let failure = error as! EventLogError
                    XCTAssertEqual(failure.code, .unsupportedCodec)
                    XCTAssertEqual(failure.path, path + "/00000000000000000000.log")
                    XCTAssertNotNil(failure.position)
                }
                codecErrors += 1
            }
        }
        XCTAssertEqual(checked, want.filter { $0.batch["compression"] as! Int == 0 }.count)
        XCTAssertEqual(codecErrors, 4) // one batch per codec: gzip, snappy, lz4, zstd (InteropTests decode them)
        XCTAssertTrue(want.contains { $0.batch["control"] as? Bool == true })
    }

    /// The legacy (magic 1) message set decodes to exactly the expected records, CRC-32 checked.
    func testLegacyMessageSetDecodesExactly() throws {
        let log = try EventLog.open(sharedTestData("kafka/legacy-0"), mode: .readOnly)
        defer { log.close() }
        let partition = try log.partition(TopicPartition(topic: "legacy", partition: 0))
        XCTAssertEqual(try partition.endOffset().rawValue, 5)
        let records = try partition.read(from: .zero, maxRecords: 10)
        let want = try expected("legacy", 0)
        XCTAssertEqual(records.count, want.count)
        for (record, expected) in zip(records, want) {
            XCTAssertEqual(record.offset.rawValue, expected.offset)
            XCTAssertEqual(record.timestamp.milliseconds, expected.timestamp)
            XCTAssertEqual(record.key, expected.key)
            XCTAssertEqual(record.value, expected.value)
            XCTAssertEqual(record.headers, [])
            XCTAssertEqual(record.batch.magic, 1)
            XCTAssertEqual(record.batch.baseOffset.rawValue, Int64(expected.batch["base_offset"] as! Int))
        }
        XCTAssertEqual(try partition.offset(forTimestamp: Timestamp(milliseconds: 1_700_000_117_520)).rawValue, 2)
    }

    /// A flipped byte in a legacy message is caught by its CRC-32, with file and position.
    func testLegacyCorruptionIsReported() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try copyTree(sharedTestData("kafka/legacy-0"), to: directory.appending("legacy-0"))
        let segment = directory.appending("legacy-0/00000000000000000000.log")
        let file = try SystemFile(path: segment, mode: .readWrite)
        var byte = try file.read(at: 0x60, count: 1) // inside the second message's value
        byte[0] ^= 0x01
        try file.write(byte, at: 0x60)
        file.close()
        let log = try EventLog.open(directory.appending("legacy-0"), mode: .readOnly)
        defer { log.close() }
        XCTAssertThrowsError(try log.partition(TopicPartition(topic: "legacy", partition: 0)).read(from: .zero, maxRecords: 10)) { error in
            XCTAssertEqual((error as! EventLogError).code, .corruptBatch)
            XCTAssertEqual((error as! EventLogError).position, 49) // the second message: 12 + 0x25 bytes in
            XCTAssertTrue("\(error)".contains("CRC"))
        }
    }

    /// Opening, reading, seeking and verifying the captured data changes nothing on disk.
    func testReadOnlyOpenChangesNothing() throws {
        let root = sharedTestData("kafka")
        let before = try DirectorySnapshot(root)
        for name in ["payments-0", "payments-1", "legacy-0"] {
            let log = try EventLog.open(root + "/" + name, mode: .readOnly)
            let partition = try log.partitions(of: log.topics()[0].name)[0]
            _ = try? partition.read(from: .zero, maxRecords: 100)
            _ = try? partition.offset(forTimestamp: Timestamp(milliseconds: 1_700_000_010_000))
            _ = try Verifier.verify(log)
            log.close()
        }
        XCTAssertEqual(try DirectorySnapshot(root), before)
    }
}
