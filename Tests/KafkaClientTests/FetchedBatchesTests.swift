import EventLog
import Interop
import TestSupport
import XCTest

/// `FetchedBatches`: what a Fetch answer's bytes decode to. Seeded property tests: random batches
/// (control batches among them) cut at every kind of point, as a broker's byte limit cuts them.
final class FetchedBatchesTests: XCTestCase {
    /// What a record says, without the batch facts (compared separately where they matter).
    private struct Fields: Equatable {
        var offset: Offset, timestamp: Timestamp, key: [UInt8]?, value: [UInt8]?, headers: [Header]
        init(_ record: Record) {
            (offset, timestamp, key, value, headers) = (record.offset, record.timestamp, record.key, record.value, record.headers)
        }
    }

    private struct Sample {
        var bytes: [UInt8]
        /// Per batch: byte range end, user records (control batches none), offset after the batch.
        var batchEnds: [(end: Int, records: [Record], next: Offset)]
    }

    private func sample(_ random: inout SeededRandom) -> Sample {
        var encoder = RecordBatchEncoder()
        var bytes: [UInt8] = []
        var ends: [(end: Int, records: [Record], next: Offset)] = []
        var offset: Int64 = Int64.random(in: 0...1000, using: &random)
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let control = Int.random(in: 0..<5, using: &random) == 0
            let count = control ? 1 : Int.random(in: 1...20, using: &random)
            let produced = (0..<count).map { index in
                ProducerRecord(key: Bool.random(using: &random) ? nil : random.bytes(Int.random(in: 0...8, using: &random)),
                               value: random.bytes(Int.random(in: 0...40, using: &random)),
                               headers: Bool.random(using: &random) ? [] : [Header(key: "h\(index)", value: random.bytes(3))],
                               timestamp: Timestamp(milliseconds: 1_700_000_000_000 + offset + Int64(index)))
            }
            let header = encoder.encode(produced, baseOffset: Offset(offset), isControl: control)
            let info = BatchInfo.remote(offset: Offset(offset), sizeInBytes: encoder.buffer.count)
            let records = control ? [] : produced.enumerated().map { index, record in
                Record(offset: Offset(offset + Int64(index)), timestamp: record.timestamp, key: record.key, value: record.value,
                       headers: record.headers, batch: info)
            }
            bytes += encoder.buffer
            offset = header.lastOffset + 1
            ends.append((bytes.count, records, Offset(offset)))
        }
        return Sample(bytes: bytes, batchEnds: ends)
    }

    func testWholeBatchesDecodeAndACutBatchIsDropped() throws {
        var random = SeededRandom.fromEnvironment()
        for _ in 0..<300 {
            let sample = sample(&random)
            let cut = Int.random(in: 0...sample.bytes.count, using: &random)
            let whole = sample.batchEnds.filter { $0.end <= cut }
            let decoded = try FetchedBatches.decode(Array(sample.bytes[..<cut]), from: Offset(0), maxRecords: .max,
                                                    decompressor: KafkaCodecs(), source: "test")
            XCTAssertEqual(decoded.records.map(Fields.init), whole.flatMap(\.records).map(Fields.init), "seed \(random.seed) cut \(cut)")
            XCTAssertEqual(decoded.nextOffset, whole.last?.next, "seed \(random.seed) cut \(cut)")
        }
    }

    func testRecordsBeforeTheStartAndPastTheLimitAreLeftOut() throws {
        var random = SeededRandom.fromEnvironment()
        for _ in 0..<300 {
            let sample = sample(&random)
            let all = sample.batchEnds.flatMap(\.records)
            guard let first = all.first, let last = all.last else { continue }
            let start = Offset(Int64.random(in: first.offset.rawValue...last.offset.rawValue, using: &random))
            let limit = Int.random(in: 1...30, using: &random)
            let decoded = try FetchedBatches.decode(sample.bytes, from: start, maxRecords: limit, decompressor: KafkaCodecs(), source: "test")
            let wanted = Array(all.filter { $0.offset >= start }.prefix(limit))
            XCTAssertEqual(decoded.records.map(Fields.init), wanted.map(Fields.init), "seed \(random.seed)")
            if decoded.records.count == limit { XCTAssertEqual(decoded.nextOffset, wanted.last!.offset.advanced(by: 1), "seed \(random.seed)") }
        }
    }

    /// A flipped byte inside a batch fails its CRC: one error naming the source and position, never records.
    func testACorruptBatchIsAnErrorNamingTheSource() throws {
        var random = SeededRandom.fromEnvironment()
        var sample = sample(&random)
        let position = RecordBatchHeader.size + Int.random(in: 0..<(sample.batchEnds[0].end - RecordBatchHeader.size), using: &random)
        sample.bytes[position] ^= 0x5A
        XCTAssertThrowsError(try FetchedBatches.decode(sample.bytes, from: Offset(0), maxRecords: .max, decompressor: KafkaCodecs(),
                                                       source: "kafka://b:9092 t-0")) { error in
            XCTAssertTrue("\(error)".contains("kafka://b:9092 t-0"), "seed \(random.seed): \(error)")
        }
    }
}
