@testable import EventLog
import TestSupport
import XCTest

/// The explorer's timeline comes from the time index alone (`timeIndexSamples`). Each point must
/// say what the records say: its timestamp is the largest of every record up to its offset, the
/// offsets between points add up to the partition's events, and a capture whose index files are
/// gone (rebuilt in memory on a read-only open) gives the same points without a byte changed.
final class TimeIndexSamplesTests: XCTestCase {
    func testPointsAgreeWithTheRecordsAcrossSegmentsAndWithoutIndexFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("log")
        let writer = try EventLog.open(path, mode: .readWrite, create: true)
        // 64 KiB segments of 40-record batches (~5 KB each, past the 4 KiB index interval), with
        // timestamps that sometimes go back (the index keeps the largest so far).
        try writer.createTopic("t", config: TopicConfig(partitions: 1, segmentBytes: 64 << 10))
        let partition = try writer.partition(TopicPartition(topic: "t", partition: 0))
        var random = SeededRandom(seed: 17)
        var timestamps: [Int64] = []
        for batch in 0..<120 {
            let records = (0..<40).map { n -> ProducerRecord in
                let time = 1_700_000_000_000 + Int64(batch * 40 + n) * 100 - Int64(random.next() % 3_000)
                timestamps.append(time)
                return ProducerRecord(key: nil, value: [UInt8](repeating: UInt8(n), count: 100), timestamp: Timestamp(milliseconds: time))
            }
            try partition.append(records)
        }
        XCTAssertGreaterThan(partition.segmentCount, 3)
        let written = try partition.timeIndexSamples()
        writer.close()
        try assertAgree(written, timestamps)

        // A read-only open of the same files, then of a copy whose indexes were deleted.
        let reader = try EventLog.open(path, mode: .readOnly)
        XCTAssertEqual(try reader.partition(TopicPartition(topic: "t", partition: 0)).timeIndexSamples().map(\.offset), written.map(\.offset))
        reader.close()
        for name in try FileSystem.listDirectory(path + "/t-0") where name.hasSuffix("index") {
            try FileSystem.remove(path + "/t-0/" + name)
        }
        let before = try DirectorySnapshot(path)
        let rebuilt = try EventLog.open(path, mode: .readOnly)
        let samples = try rebuilt.partition(TopicPartition(topic: "t", partition: 0)).timeIndexSamples()
        rebuilt.close()
        XCTAssertEqual(samples.map(\.offset), written.map(\.offset))
        XCTAssertEqual(samples.map(\.timestamp), written.map(\.timestamp))
        XCTAssertEqual(try DirectorySnapshot(path), before, "a read-only open rebuilds indexes in memory only")
    }

    private func assertAgree(_ samples: [(offset: Int64, timestamp: Int64)], _ timestamps: [Int64], line: UInt = #line) throws {
        XCTAssertGreaterThan(samples.count, 100, "about a point per 4 KiB batch", line: line)
        XCTAssertEqual(samples.last?.offset, Int64(timestamps.count - 1), "the last point reaches the last event", line: line)
        XCTAssertEqual(zip(samples, samples.dropFirst()).filter { $0.offset >= $1.offset }.count, 0, "offsets increase", line: line)
        var largest = Int64.min
        var prefixMax: [Int64] = []
        for time in timestamps {
            largest = max(largest, time)
            prefixMax.append(largest)
        }
        for sample in samples {
            XCTAssertEqual(sample.timestamp, prefixMax[Int(sample.offset)], "point at offset \(sample.offset)", line: line)
        }
    }
}
