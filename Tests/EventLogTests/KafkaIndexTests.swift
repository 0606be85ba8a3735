@testable import EventLog
import TestSupport
import XCTest

/// Rewind's `.index`/`.timeindex` files must be the ones a Kafka broker would write for the same
/// batches, so that a broker (and `kcat -o s@T`) serving a Rewind-written log finds what a linear
/// scan finds.
final class KafkaIndexTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    /// ../shared/testdata/kafka-java was written by Kafka's own `FileRecords`, `OffsetIndex` and
    /// `TimeIndex` as a leader appends, rolled at 64 KiB and trimmed on roll and close: rebuilding
    /// every segment's indexes from its batches must give the same bytes.
    func testRebuiltIndexesAreByteIdenticalToKafkasOwn() throws {
        let root = sharedTestData("kafka-java")
        var segmentsCompared = 0
        for partition in try FileSystem.listDirectory(root) where FileSystem.isDirectory(root + "/" + partition) {
            let partitionDirectory = root + "/" + partition
            for name in try FileSystem.listDirectory(partitionDirectory) {
                guard let base = Segment.baseOffset(fromFileName: name) else { continue }
                let segment = Segment(directory: partitionDirectory, baseOffset: base, persistsIndexes: false)
                let log = try SystemFile(path: segment.logPath, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
                let rebuilt = try Self.sealedIndex(of: log, baseOffset: base)
                let kafkaOffsets = try SystemFile(path: segment.indexPath, mode: .readOnly).readAll(limit: 1 << 20)
                let kafkaTimes = try SystemFile(path: segment.timeIndexPath, mode: .readOnly).readAll(limit: 1 << 20)
                XCTAssertEqual(rebuilt.fileBytes.offsets, kafkaOffsets, "\(segment.indexPath)")
                XCTAssertEqual(rebuilt.fileBytes.times, kafkaTimes, "\(segment.timeIndexPath)")
                segmentsCompared += 1
            }
        }
        XCTAssertEqual(segmentsCompared, 24, "every segment of the Kafka-written log dir")
    }

    /// Kafka's own timestamp lookup (`TimeIndex.lookup`, then `OffsetIndex.lookup`, then a forward
    /// scan), run over the index files Rewind writes, must agree with a linear scan for the first
    /// and the largest timestamp of every batch, on a log where many records share a millisecond,
    /// some arrive late (out of order) and segments roll every 64 KiB.
    func testKafkasTimestampLookupOverOurIndexesMatchesALinearScan() throws {
        var random = SeededRandom.fromEnvironment()
        func below(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &random) }
        let path = directory.appending("log")
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        try log.createTopic("t", config: TopicConfig(partitions: 3, segmentBytes: 64 << 10))
        var clock: Int64 = 1_700_000_000_000
        for _ in 0..<900 {
            let partition = Int32(below(3))
            let records = (0..<(1 + below(40))).map { n -> ProducerRecord in
                if below(4) == 0 { clock += Int64(below(3)) } // many share a millisecond
                let late = below(25) == 0 ? Int64(below(5_000)) : 0
                return ProducerRecord(key: Array("k\(n)".utf8), value: Array(String(repeating: "v", count: below(120)).utf8),
                                      timestamp: Timestamp(milliseconds: clock - late))
            }
            try log.partition(TopicPartition(topic: "t", partition: partition)).append(records)
        }
        log.close()

        var lookups = 0
        for partition in 0..<3 {
            let partitionDirectory = path + "/t-\(partition)"
            let segments = try KafkaLookup.loadSegments(partitionDirectory)
            XCTAssertGreaterThan(segments.count, 2, "the log must roll for the test to mean anything")
            let records = segments.flatMap(\.records)
            var targets = Set<Int64>()
            for segment in segments { for batch in segment.batches { targets.insert(batch.firstTimestamp); targets.insert(batch.maxTimestamp) } }
            for target in targets.sorted() {
                let linear = records.first { $0.timestamp >= target }?.offset
                XCTAssertEqual(KafkaLookup.offset(forTimestamp: target, in: segments), linear, "t-\(partition) timestamp \(target)")
                lookups += 1
            }
        }
        XCTAssertGreaterThan(lookups, 1_000)
    }

    /// A reopened segment's time index already holds the final entry its close appended (Kafka's
    /// `LogSegment.close`), and appends after it continue from its running maximum.
    func testCloseAppendsTheFinalTimeIndexEntry() throws {
        let path = directory.appending("log")
        var log = try EventLog.open(path, mode: .readWrite, create: true)
        try log.createTopic("t", config: TopicConfig(partitions: 1))
        let partition = TopicPartition(topic: "t", partition: 0)
        try log.partition(partition).append([ProducerRecord(key: nil, value: Array("a".utf8), timestamp: Timestamp(milliseconds: 500))])
        try log.partition(partition).append([ProducerRecord(key: nil, value: Array("b".utf8), timestamp: Timestamp(milliseconds: 900)),
                                             ProducerRecord(key: nil, value: Array("c".utf8), timestamp: Timestamp(milliseconds: 700))])
        log.close()
        let timeIndexPath = path + "/t-0/00000000000000000000.timeindex"
        XCTAssertEqual(SegmentIndex.decodeTimes(try SystemFile(path: timeIndexPath, mode: .readOnly).readAll(limit: 4096)),
                       [TimeIndexEntry(timestamp: 900, relativeOffset: 2)])
        log = try EventLog.open(path, mode: .readWrite)
        try log.partition(partition).append([ProducerRecord(key: nil, value: Array("d".utf8), timestamp: Timestamp(milliseconds: 800))])
        log.close()
        XCTAssertEqual(SegmentIndex.decodeTimes(try SystemFile(path: timeIndexPath, mode: .readOnly).readAll(limit: 4096)),
                       [TimeIndexEntry(timestamp: 900, relativeOffset: 2)], "a smaller timestamp adds no entry")
    }

    static func sealedIndex(of log: [UInt8], baseOffset: Int64) throws -> SegmentIndex {
        let (index, end) = log.withUnsafeBytes { SegmentIndexBuilder.rebuilt(from: $0, baseOffset: baseOffset, sealed: true) }
        guard case .end = end else { throw EventLogError(.corruptBatch, "walk ended with \(end)") }
        return index
    }
}

/// Kafka's `UnifiedLog.fetchOffsetByTimestamp` → `LogSegment.findOffsetByTimestamp`, transcribed
/// from its documented algorithm; reads the index files from disk, not Rewind's in-memory index.
enum KafkaLookup {
    struct Batch { var position: Int; var firstTimestamp: Int64; var maxTimestamp: Int64 }
    struct Entry { var offset: Int64; var timestamp: Int64 }
    struct LoadedSegment {
        var baseOffset: Int64
        var offsets: [OffsetIndexEntry]
        var times: [TimeIndexEntry]
        var batches: [Batch]
        var records: [Entry]
        /// Records by batch position, for the forward scan.
        var recordsAt: [Int: [Entry]]
        var largestTimestamp: Int64 { times.last?.timestamp ?? -1 }
    }

    static func loadSegments(_ directory: String) throws -> [LoadedSegment] {
        try FileSystem.listDirectory(directory).compactMap(Segment.baseOffset(fromFileName:)).sorted().map { base in
            let segment = Segment(directory: directory, baseOffset: base, persistsIndexes: false)
            let log = try SystemFile(path: segment.logPath, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
            let offsets = SegmentIndex.decodeOffsets(try SystemFile(path: segment.indexPath, mode: .readOnly).readAll(limit: 1 << 20), logSize: log.count)
            let times = SegmentIndex.decodeTimes(try SystemFile(path: segment.timeIndexPath, mode: .readOnly).readAll(limit: 1 << 20))
            var loaded = LoadedSegment(baseOffset: base, offsets: offsets, times: times, batches: [], records: [], recordsAt: [:])
            try log.withUnsafeBytes { bytes in
                var decoder = BatchDecoder(decompressor: NoDecompressor())
                _ = walkBatches(bytes, from: 0) { batch in
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[batch.position..<(batch.position + batch.header.totalSize)])
                    var inBatch: [Entry] = []
                    _ = try? decoder.forEachRecord(slice, path: segment.logPath, position: batch.position) { record, _ in
                        inBatch.append(Entry(offset: record.offset.rawValue, timestamp: record.timestamp.milliseconds))
                        return true
                    }
                    loaded.batches.append(Batch(position: batch.position, firstTimestamp: inBatch.first?.timestamp ?? -1, maxTimestamp: batch.header.maxTimestamp))
                    loaded.recordsAt[batch.position] = inBatch
                    loaded.records += inBatch
                    return true
                }
            }
            return loaded
        }
    }

    static func offset(forTimestamp target: Int64, in segments: [LoadedSegment]) -> Int64? {
        // The first segment whose largest timestamp (its time index's last entry) reaches the target.
        guard let segment = segments.first(where: { $0.largestTimestamp >= target }) else { return nil }
        // TimeIndex.lookup: the entry with the largest timestamp ≤ target, else (-1, baseOffset).
        let timeEntryOffset = segment.times.last { $0.timestamp <= target }.map { segment.baseOffset + Int64($0.relativeOffset) } ?? segment.baseOffset
        // OffsetIndex.lookup: the entry with the largest offset ≤ it, else position 0.
        let position = segment.offsets.last { segment.baseOffset + Int64($0.relativeOffset) <= timeEntryOffset }.map { Int($0.position) } ?? 0
        // FileRecords.searchForTimestamp: the first batch from there whose max timestamp reaches
        // the target, and in it the first record that does.
        for batch in segment.batches where batch.position >= position && batch.maxTimestamp >= target {
            if let record = segment.recordsAt[batch.position]?.first(where: { $0.timestamp >= target }) { return record.offset }
        }
        return nil
    }
}
