@testable import EventLog
import TestSupport
import XCTest

func randomRecords(_ random: inout SeededRandom, count: Int, baseTime: Int64 = 1_700_000_000_000) -> [ProducerRecord] {
    (0..<count).map { _ in
        let key: [UInt8]? = Bool.random(using: &random) ? random.bytes(Int.random(in: 0...20, using: &random)) : nil
        let value: [UInt8]? = Int.random(in: 0..<10, using: &random) == 0 ? nil : random.bytes(Int.random(in: 0...300, using: &random))
        let headers = (0..<Int.random(in: 0...3, using: &random)).map { n in
            Header(key: "h\(n)-\(Int.random(in: 0...99, using: &random))",
                   value: Bool.random(using: &random) ? random.bytes(Int.random(in: 0...10, using: &random)) : nil)
        }
        let timestamp = baseTime + Int64.random(in: -100_000...100_000_000, using: &random)
        return ProducerRecord(key: key, value: value, headers: headers, timestamp: Timestamp(milliseconds: timestamp))
    }
}

final class RecordBatchTests: XCTestCase {
    /// encode → validate → iterate gives back exactly what went in, for random batches.
    func testRoundTripProperty() throws {
        var random = SeededRandom.fromEnvironment()
        var encoder = RecordBatchEncoder()
        for trial in 0..<300 {
            let records = randomRecords(&random, count: Int.random(in: 1...40, using: &random))
            let baseOffset = Offset(Int64.random(in: 0...1_000_000_000_000, using: &random))
            let header = encoder.encode(records, baseOffset: baseOffset)
            let decoded: [Record] = try encoder.buffer.withUnsafeBytes { raw in
                let checked = try RecordBatch.validate(raw)
                XCTAssertEqual(checked, header)
                var iterator = RecordIterator(header: checked, records: UnsafeRawBufferPointer(rebasing: raw[RecordBatchHeader.size...]))
                var out: [Record] = []
                while let view = try iterator.next() {
                    out.append(view.materialize(batch: BatchInfo(baseOffset: baseOffset, lastOffset: baseOffset, magic: 2, compression: .none, timestampType: .createTime, isTransactional: false, isControl: false, producerId: -1, producerEpoch: -1, baseSequence: -1, partitionLeaderEpoch: 0, position: 0, sizeInBytes: 0)))
                    // The header lookup the runner's dedupe makes per event finds the first of that name.
                    let headers = view.headers()
                    for name in headers.map(\.key) + ["missing", "", "h0"] {
                        let found = view.header(named: name).map { $0.map { Array($0) } }
                        XCTAssertEqual(found, headers.first { $0.key == name }.map(\.value), "header \(name)")
                    }
                }
                return out
            }
            XCTAssertEqual(decoded.count, records.count, "trial \(trial)")
            for (index, (got, want)) in zip(decoded, records).enumerated() {
                XCTAssertEqual(got.offset, baseOffset.advanced(by: Int64(index)))
                XCTAssertEqual(got.timestamp, want.timestamp)
                XCTAssertEqual(got.key, want.key)
                XCTAssertEqual(got.value, want.value)
                XCTAssertEqual(got.headers, want.headers)
            }
            XCTAssertEqual(header.maxTimestamp, records.map(\.timestamp.milliseconds).max())
            XCTAssertEqual(header.lastOffset, baseOffset.rawValue + Int64(records.count - 1))
        }
    }

    /// Every strict prefix of a batch is rejected, and every single-bit flip is caught by size,
    /// magic or CRC checks — never a crash, never silently wrong records.
    func testEveryTruncationAndBitFlipIsRejected() throws {
        var random = SeededRandom.fromEnvironment()
        var encoder = RecordBatchEncoder()
        encoder.encode(randomRecords(&random, count: 5), baseOffset: Offset(7))
        let batch = encoder.buffer
        for length in 0..<batch.count {
            XCTAssertThrowsError(try Array(batch[..<length]).withUnsafeBytes { try RecordBatch.validate($0) }, "prefix \(length)")
        }
        for byte in 0..<batch.count {
            for bit in 0..<8 {
                var damaged = batch
                damaged[byte] ^= UInt8(1 << bit)
                let accepted = (try? damaged.withUnsafeBytes { try RecordBatch.validate($0) }) != nil
                // Bytes 0-7 (base offset) and 12-15 (leader epoch) are outside the CRC, as in Kafka.
                if accepted { XCTAssertTrue((0..<8).contains(byte) || (12..<16).contains(byte), "flip at byte \(byte) bit \(bit) accepted") }
            }
        }
    }

    /// Hostile record sections (random bytes after a valid-looking header) never crash or overrun.
    func testGarbageRecordsSectionFailsCleanly() {
        var random = SeededRandom.fromEnvironment()
        for _ in 0..<2000 {
            let count = Int32.random(in: 0...50, using: &random)
            let header = RecordBatchHeader(baseOffset: 0, batchLength: 0, partitionLeaderEpoch: 0, magic: 2, crc: 0, attributes: 0,
                                           lastOffsetDelta: count, baseTimestamp: 0, maxTimestamp: 0, producerId: -1,
                                           producerEpoch: -1, baseSequence: -1, recordCount: count)
            let garbage = random.bytes(Int.random(in: 0...200, using: &random))
            garbage.withUnsafeBytes { raw in
                var iterator = RecordIterator(header: header, records: raw)
                var produced = 0
                while produced <= 60, let view = try? iterator.next() {
                    produced += 1
                    if let value = view.value { XCTAssertLessThanOrEqual(value.count, raw.count) }
                }
                XCTAssertLessThanOrEqual(produced, Int(count))
            }
        }
    }
}
