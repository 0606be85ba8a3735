@testable import EventLog
import TestSupport
import XCTest

/// The default bulk path re-frames a source's owned records as batches the fold borrows from:
/// whatever the records (null or empty keys and values, headers, holes between offsets, times
/// going back), the views it lends must say exactly what `read` said, in order, across chunks.
final class RecordsBatchStreamTests: XCTestCase {
    /// A source that only has `read`: everything else comes from the protocol's defaults.
    final class RecordsSource: LogSource {
        let records: [Record]
        init(_ records: [Record]) { self.records = records }
        var location: String { "memory://test" }
        func topicNames() throws -> [String] { ["t"] }
        func partitionNumbers(of topic: String) throws -> [Int32] { [0] }
        func startOffset(of partition: TopicPartition) throws -> Offset { records.first?.offset ?? .zero }
        func endOffset(of partition: TopicPartition) throws -> Offset { records.last.map { $0.offset.advanced(by: 1) } ?? .zero }
        func read(_ partition: TopicPartition, from start: Offset, maxRecords: Int) throws -> [Record] {
            Array(records.lazy.filter { $0.offset >= start }.prefix(maxRecords))
        }
        func offset(forTimestamp timestamp: Timestamp, in partition: TopicPartition) throws -> Offset {
            try records.first { $0.timestamp >= timestamp }?.offset ?? endOffset(of: partition)
        }
        func waitForRecords(_ partition: TopicPartition, from offset: Offset, timeoutMs: Int) throws -> Bool { try endOffset(of: partition) > offset }
        func close() {}
    }

    private func randomRecords(_ random: inout SeededRandom, count: Int) -> [Record] {
        var offset = Int64.random(in: 0...5, using: &random)
        var time = Int64.random(in: 1_600_000_000_000...1_700_000_000_000, using: &random)
        return (0..<count).map { _ in
            offset += Int64.random(in: 1...3, using: &random) // holes: deleted or compacted offsets
            time += Int64.random(in: -50...200, using: &random) // times may go back
            func bytes(_ max: Int) -> [UInt8]? {
                switch Int.random(in: 0..<6, using: &random) {
                case 0: return nil
                case 1: return []
                default: return random.bytes(Int.random(in: 1...max, using: &random))
                }
            }
            let headers = (0..<Int.random(in: 0...3, using: &random)).map { index in
                Header(key: "h\(index)-\(Int.random(in: 0...99, using: &random))", value: bytes(20))
            }
            return Record(offset: Offset(offset), timestamp: Timestamp(milliseconds: time), key: bytes(40), value: bytes(300),
                          headers: headers, batch: .remote(offset: Offset(offset), sizeInBytes: 0))
        }
    }

    func testBorrowedViewsSayWhatReadSaid() throws {
        var random = SeededRandom.fromEnvironment()
        for round in 0..<20 {
            let records = randomRecords(&random, count: Int.random(in: 0...2_500, using: &random))
            let source = RecordsSource(records)
            let partition = TopicPartition(topic: "t", partition: 0)
            let start = records.isEmpty || round % 3 == 0 ? Offset.zero : records[Int.random(in: 0..<records.count, using: &random)].offset
            let stream = try source.batches(partition, from: start)
            var seen: [(Int64, Int64, [UInt8]?, [UInt8]?, [Header])] = []
            var batches = 0
            while let batch = try stream.nextBatch() {
                batches += 1
                XCTAssertFalse(batch.records.isEmpty, "seed \(random.seed)")
                XCTAssertEqual(batch.lastOffset, batch.records.last?.offset.rawValue)
                for view in batch.records {
                    seen.append((view.offset.rawValue, view.timestamp.milliseconds, view.key.map { Array($0) }, view.value.map { Array($0) }, view.headers()))
                }
                XCTAssertEqual(stream.position.rawValue, batch.lastOffset + 1)
            }
            let expected = records.filter { $0.offset >= start }
            XCTAssertEqual(seen.count, expected.count, "seed \(random.seed), round \(round)")
            for (got, want) in zip(seen, expected) {
                XCTAssertEqual(got.0, want.offset.rawValue, "seed \(random.seed)")
                XCTAssertEqual(got.1, want.timestamp.milliseconds, "seed \(random.seed)")
                XCTAssertEqual(got.2, want.key, "seed \(random.seed)")
                XCTAssertEqual(got.3, want.value, "seed \(random.seed)")
                XCTAssertEqual(got.4, want.headers, "seed \(random.seed)")
            }
            XCTAssertGreaterThanOrEqual(batches, (expected.count + RecordsBatchStream.chunkRecords - 1) / RecordsBatchStream.chunkRecords)
            XCTAssertNil(try stream.nextBatch(), "at the end it stays at the end")
        }
    }

    func testBigRecordsAreSplitBelowTheBatchLimit() throws {
        // 40 records of 1 MiB: one read, but no framed batch carries more than chunkBytesMax of them.
        let value = [UInt8](repeating: 7, count: 1 << 20)
        let records = (0..<40).map { Record(offset: Offset(Int64($0)), timestamp: Timestamp(milliseconds: Int64($0)), key: nil, value: value,
                                            headers: [], batch: .remote(offset: Offset(Int64($0)), sizeInBytes: value.count)) }
        let stream = try RecordsSource(records).batches(TopicPartition(topic: "t", partition: 0), from: .zero)
        var counts: [Int] = []
        while let batch = try stream.nextBatch() {
            counts.append(batch.records.count)
            XCTAssertTrue(batch.records.allSatisfy { $0.value?.count == value.count })
        }
        XCTAssertEqual(counts.reduce(0, +), 40)
        XCTAssertTrue(counts.allSatisfy { $0 * value.count <= RecordsBatchStream.chunkBytesMax }, "\(counts)")
        XCTAssertGreaterThan(counts.count, 1)
    }
}
