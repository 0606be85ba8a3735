@testable import EventLog
import TestSupport
import XCTest

/// The embedded log's batch stream hands out big uncompressed batches in chunks: from any start offset, every record `read` returns comes out once, in order, with
/// the same bytes, and `position` and each chunk's `lastOffset` say where the stream stands; `read`
/// from any offset inside a batch returns what a read from the log's start returns from there, and
/// a time lookup finds what a scan of every record finds.
final class PartitionStreamChunkTests: XCTestCase {
    func testChunksFromAnyStartSayWhatReadSaid() throws {
        var random = SeededRandom.fromEnvironment()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("t", config: TopicConfig(partitions: 1, segmentBytes: 1 << 20))
        var time: Int64 = 1_700_000_000_000
        var written = 0
        for batchNumber in 0..<12 {
            // Batches below, at and far above the chunk size (compressed batches are decoded whole,
            // as before: the interop tests over Kafka's own files cover them).
            // One batch long enough for the chunks to reach their largest size.
            let count = batchNumber == 3 ? 2 * PartitionStream.recordsPerChunkMax + 3
                : [1, PartitionStream.recordsPerChunk, PartitionStream.recordsPerChunk + 1, 3 * PartitionStream.recordsPerChunk + 7,
                   Int.random(in: 2...1500, using: &random)].randomElement(using: &random)!
            let records = (0..<count).map { index -> ProducerRecord in
                time += Int64.random(in: -20...100, using: &random)
                return ProducerRecord(key: index % 7 == 0 ? nil : random.bytes(Int.random(in: 0...12, using: &random)),
                                      value: index % 11 == 0 ? nil : random.bytes(Int.random(in: 0...80, using: &random)),
                                      headers: index % 3 == 0 ? [Header(key: "event-id", value: random.bytes(8))] : [],
                                      timestamp: Timestamp(milliseconds: time))
            }
            _ = try log.append(records, to: "t")
            written += count
        }
        let partition = TopicPartition(topic: "t", partition: 0)
        let all = try log.partition(partition).read(from: .zero, maxRecords: written + 1)
        XCTAssertEqual(all.count, written)
        let byOffset = Dictionary(uniqueKeysWithValues: all.map { ($0.offset, $0) })
        for round in 0..<12 {
            let start = round == 0 ? Offset.zero : all[Int.random(in: 0..<all.count, using: &random)].offset
            let stream = try log.batches(partition, from: start)
            var seen: [Record] = []
            var chunks = 0
            while let batch = try stream.nextBatch() {
                XCTAssertLessThanOrEqual(batch.records.count, PartitionStream.recordsPerChunkMax)
                if chunks == 0 { XCTAssertLessThanOrEqual(batch.records.count, PartitionStream.recordsPerChunk, "the first chunk is small") }
                chunks += 1
                if let last = batch.records.last { XCTAssertGreaterThanOrEqual(batch.lastOffset, last.offset.rawValue) }
                XCTAssertEqual(stream.position.rawValue, batch.lastOffset + 1, "seed \(random.seed)")
                seen += batch.records.map { view in byOffset[view.offset].map { original in
                    XCTAssertEqual(view.key.map { Array($0) }, original.key)
                    XCTAssertEqual(view.value.map { Array($0) }, original.value)
                    XCTAssertEqual(view.headers(), original.headers)
                    XCTAssertEqual(view.timestamp, original.timestamp)
                    return original
                }! }
            }
            XCTAssertEqual(seen.map(\.offset), all.filter { $0.offset >= start }.map(\.offset), "seed \(random.seed), start \(start)")
            XCTAssertNil(try stream.nextBatch())
            // `read` from the same start steps over the batch's earlier records by their lengths:
            // what it returns is what a read from the start of the log returns from there on.
            let count = [1, 25, 600, written].randomElement(using: &random)!
            let expected = Array(all.filter { $0.offset >= start }.prefix(count))
            XCTAssertEqual(try log.partition(partition).read(from: start, maxRecords: count), expected, "seed \(random.seed), start \(start)")
            // A time lookup walks big batches by their time deltas: it finds the first record at or
            // after the time, as a scan of every record does, out-of-order times included.
            let time = all[Int.random(in: 0..<all.count, using: &random)].timestamp.milliseconds + Int64.random(in: -30...30, using: &random)
            let first = all.first { $0.timestamp.milliseconds >= time }?.offset ?? Offset(Int64(written))
            XCTAssertEqual(try log.partition(partition).offset(forTimestamp: Timestamp(milliseconds: time)), first, "seed \(random.seed), time \(time)")
        }
    }
}
