import EventLog
import TestSupport
import XCTest

/// The engine side of Produce and Fetch: `appendBatch` stores a client's batch byte for byte
/// (but for its base offset and leader epoch) or refuses it whole; `readBatches` returns whole batches.
final class PartitionLogRawAppendTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var log: EventLog!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory("rewind-raw-append")
        log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        try log.createTopic("t", config: TopicConfig(partitions: 1, segmentBytes: 4096))
    }

    override func tearDown() {
        log?.close()
        directory?.remove()
    }

    private func batch(_ values: [String], producer: ProducerIdentity = .none, deltas: [Int64]? = nil) -> [UInt8] {
        var encoder = RecordBatchEncoder()
        let records = values.enumerated().map { ProducerRecord(key: nil, value: Array($1.utf8), timestamp: Timestamp(milliseconds: 1_000 + Int64($0))) }
        encoder.encode(records, baseOffset: .zero, producer: producer, partitionLeaderEpoch: -1, offsetDeltas: deltas)
        return encoder.buffer
    }

    /// Rewrites a header field and the CRC, as a client bug (not line noise) would produce.
    private func tampered(_ bytes: [UInt8], at position: Int, _ value: Int32) -> [UInt8] {
        var bytes = bytes
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.bigEndian, toByteOffset: position, as: Int32.self) }
        let crc = bytes.withUnsafeBytes { RecordBatch.computeCRC($0) }
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: crc.bigEndian, toByteOffset: 17, as: UInt32.self) }
        return bytes
    }

    private var partition: PartitionLog { get throws { try log.partition(TopicPartition(topic: "t", partition: 0)) } }

    func testBatchesAreStoredAsSentWithTheAssignedBaseOffset() throws {
        let first = batch(["a", "b", "c"])
        let second = batch(["d", "e"], producer: ProducerIdentity(producerId: 4242, producerEpoch: 3, baseSequence: 17))
        XCTAssertEqual(try partition.appendBatch(first).firstOffset, Offset(0))
        let appended = try partition.appendBatch(second)
        XCTAssertEqual(appended.firstOffset, Offset(3))
        XCTAssertEqual(appended.lastOffset, Offset(4))
        var stored: [UInt8] = []
        XCTAssertEqual(try partition.readBatches(from: Offset(3), maxBytes: 1 << 20, into: &stored), 1)
        // Only baseOffset (0–7) and partitionLeaderEpoch (12–15) differ; both lie outside the CRC.
        XCTAssertEqual(Array(stored[0..<8]), [0, 0, 0, 0, 0, 0, 0, 3])
        XCTAssertEqual(Array(stored[12..<16]), [0, 0, 0, 0])
        XCTAssertEqual(Array(stored[8..<12]), Array(second[8..<12]))
        XCTAssertEqual(Array(stored[16...]), Array(second[16...]))
        var values: [String] = []
        try partition.forEachRecord(from: .zero) { record, context in
            values.append(String(decoding: record.value.map { Array($0) } ?? [], as: UTF8.self))
            if record.offset == Offset(4) { XCTAssertEqual(context.info.producerId, 4242) }
            return true
        }
        XCTAssertEqual(values, ["a", "b", "c", "d", "e"])
    }

    func testABadBatchIsRefusedAndNothingIsAppended() throws {
        let good = batch(["x", "y", "z"])
        var flipped = good
        flipped[flipped.count - 1] ^= 0xFF
        let cases: [(String, [UInt8])] = [
            ("CRC mismatch", flipped),
            ("cut short", Array(good.dropLast())),
            ("trailing byte", good + [0]),
            ("magic 1", { var b = good; b[16] = 1; return b }()),
            ("record count above the records", tampered(good, at: 57, 4)),
            ("last offset delta disagreeing with the count", tampered(good, at: 23, 5)),
            ("offset deltas with gaps", batch(["p", "q", "r"], deltas: [0, 2, 4])),
            ("no records", tampered(tampered(good, at: 57, 0), at: 23, -1)),
        ]
        for (name, bytes) in cases {
            XCTAssertThrowsError(try partition.appendBatch(bytes), name) { error in
                XCTAssertEqual((error as? EventLogError)?.code, .corruptBatch, "\(name): \(error)")
            }
            XCTAssertEqual(try partition.endOffset(), .zero, "\(name) appended something")
        }
        XCTAssertEqual(try partition.appendBatch(good).firstOffset, .zero, "the log still accepts good batches")
    }

    func testReadBatchesReturnsWholeBatchesAcrossSegmentsAndAtLeastOne() throws {
        // 200-byte values in 4 KiB segments: the log rolls every ~18 batches.
        let payload = String(repeating: "v", count: 200)
        for index in 0..<60 { try partition.appendBatch(batch([payload + "\(index)", payload])) }
        XCTAssertGreaterThan(try partition.segmentCount, 2)
        var bytes: [UInt8] = []
        // Offset 7 is the second record of the batch at 6: the whole batch comes back.
        XCTAssertEqual(try partition.readBatches(from: Offset(7), maxBytes: 1, into: &bytes), 1, "at least one batch even past max bytes")
        XCTAssertEqual(Array(bytes[0..<8]), [0, 0, 0, 0, 0, 0, 0, 6])
        bytes = []
        let all = try partition.readBatches(from: .zero, maxBytes: 1 << 30, into: &bytes)
        XCTAssertEqual(all, 60, "every batch, across every segment")
        var position = 0, expected: Int64 = 0
        while position < bytes.count {
            let base = bytes[position..<(position + 8)].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            let length = bytes[(position + 8)..<(position + 12)].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertEqual(base, expected)
            expected += 2
            position += 12 + length
        }
        XCTAssertEqual(position, bytes.count)
        bytes = []
        XCTAssertEqual(try partition.readBatches(from: Offset(120), maxBytes: 1 << 20, into: &bytes), 0)
        XCTAssertTrue(bytes.isEmpty)
    }
}
