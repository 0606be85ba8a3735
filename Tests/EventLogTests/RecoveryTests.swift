@testable import EventLog
import TestSupport
import XCTest

final class RecoveryTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    let partitionID = TopicPartition(topic: "bank", partition: 0)
    var logPath: String { directory.appending("log") }
    var segmentPath: String { logPath + "/bank-0/00000000000000000000.log" }

    /// Writes `batches` batches of 3 records; returns each batch's (start byte, end byte).
    func writeLog(batches: Int, segmentBytes: Int = 1 << 20) throws -> [Range<Int>] {
        let log = try EventLog.open(logPath, mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("bank", config: TopicConfig(partitions: 1, segmentBytes: segmentBytes))
        var ranges: [Range<Int>] = []
        var position = 0
        for n in 0..<batches {
            _ = try log.append((0..<3).map { event("deposit \(n)-\($0) " + String(repeating: "x", count: 40), key: "acct", at: Int64(n * 10 + $0)) }, to: "bank")
            let size = Int(try FileSystem.fileSize(segmentPath))
            ranges.append(position..<size)
            position = size
        }
        return ranges
    }

    func values(_ log: EventLog) throws -> [String] {
        try log.partition(partitionID).read(from: .zero, maxRecords: 10_000).map { String(decoding: $0.value!, as: UTF8.self) }
    }

    /// Cut the active segment at every byte of its last batch: a writable open keeps exactly the
    /// batches before it, reports the cut, and appends continue at the right offset.
    func testTruncationAtEveryByteOfTheLastBatchRecoversThePrefix() throws {
        let ranges = try writeLog(batches: 4)
        let pristine = directory.appending("pristine")
        try copyTree(logPath, to: pristine)
        let last = ranges.last!
        let expectedPrefix = (0..<3).flatMap { n in (0..<3).map { "deposit \(n)-\($0) " + String(repeating: "x", count: 40) } }
        for cut in last.lowerBound..<last.upperBound {
            try FileSystem.removeTree(logPath)
            try copyTree(pristine, to: logPath)
            try SystemFile(path: segmentPath, mode: .readWrite).truncate(to: Int64(cut))
            let log = try EventLog.open(logPath, mode: .readWrite)
            XCTAssertEqual(try values(log), expectedPrefix, "cut at \(cut)")
            let logRepairs = log.repairs.filter { $0.path.hasSuffix(".log") }
            if cut > last.lowerBound {
                XCTAssertEqual(logRepairs.count, 1, "cut at \(cut)")
                XCTAssertEqual(logRepairs.first?.truncatedAt, Int64(last.lowerBound))
            } else {
                XCTAssertEqual(logRepairs, [])
            }
            // The chain named the lost batch; its entry goes too, and that is reported.
            XCTAssertEqual(log.repairs.filter { $0.path.hasSuffix(".chain") }.map(\.bytesRemoved), [Int64(ChainEntry.size)], "cut at \(cut)")
            XCTAssertEqual(try FileSystem.fileSize(segmentPath), Int64(last.lowerBound))
            XCTAssertEqual(try log.partition(partitionID).append([event("next", at: 99)]).firstOffset, Offset(9))
            log.close()
        }
    }

    func testGarbageAfterTheLastBatchIsCutAndReported() throws {
        var random = SeededRandom.fromEnvironment()
        let ranges = try writeLog(batches: 3)
        for garbage in [random.bytes(7), random.bytes(500), [UInt8](repeating: 0, count: 4096)] {
            let file = try SystemFile(path: segmentPath, mode: .readWrite)
            try file.write(garbage, at: Int64(ranges.last!.upperBound))
            file.close()
            let log = try EventLog.open(logPath, mode: .readWrite)
            XCTAssertEqual(try values(log).count, 9)
            XCTAssertEqual(log.repairs.map(\.truncatedAt), [Int64(ranges.last!.upperBound)])
            log.close()
        }
    }

    /// A flipped byte inside a batch that valid batches follow is damage, not a torn tail: the
    /// writable open refuses (nothing truncated), reads fail naming file and position, verify reports it.
    func testMidSegmentCorruptionIsReportedNotTruncated() throws {
        let ranges = try writeLog(batches: 5)
        let damaged = ranges[2].lowerBound + 70
        let file = try SystemFile(path: segmentPath, mode: .readWrite)
        var byte = try file.read(at: Int64(damaged), count: 1)
        byte[0] ^= 0x20
        try file.write(byte, at: Int64(damaged))
        file.close()
        let sizeBefore = try FileSystem.fileSize(segmentPath)
        XCTAssertThrowsError(try EventLog.open(logPath, mode: .readWrite)) { error in
            let failure = error as! EventLogError
            XCTAssertEqual(failure.code, .corruptBatch)
            XCTAssertEqual(failure.path, segmentPath)
            XCTAssertEqual(failure.position, Int64(ranges[2].lowerBound))
        }
        XCTAssertEqual(try FileSystem.fileSize(segmentPath), sizeBefore)
        let log = try EventLog.open(logPath, mode: .readOnly)
        defer { log.close() }
        let partition = try log.partition(partitionID)
        XCTAssertEqual(try partition.read(from: .zero, maxRecords: 6).count, 6) // the two batches before are fine
        XCTAssertThrowsError(try partition.read(from: .zero, maxRecords: 100)) { error in
            XCTAssertEqual((error as! EventLogError).position, Int64(ranges[2].lowerBound))
            XCTAssertTrue("\(error)".contains(segmentPath))
            XCTAssertTrue("\(error)".contains("CRC"))
        }
        XCTAssertEqual(try partition.read(from: Offset(9), maxRecords: 100).count, 6) // and the batches after
        let report = try Verifier.verify(log)
        XCTAssertEqual(report.problems.count, 1)
        XCTAssertEqual(report.problems.first?.position, Int64(ranges[2].lowerBound))
        XCTAssertEqual(report.problems.first?.affectedOffsets, 6...8)
        XCTAssertEqual(report.records, 12)
    }

    /// Missing, garbage and broker-style zero-padded index files are only hints: reads and seeks
    /// stay exact; read-only opens leave the files alone, writable opens rewrite them.
    func testDamagedIndexesAreRebuilt() throws {
        _ = try writeLog(batches: 200, segmentBytes: 16 << 10)
        let partitionDirectory = logPath + "/bank-0"
        let reference = try EventLog.open(logPath, mode: .readOnly)
        let expected = try reference.partition(partitionID).read(from: .zero, maxRecords: 10_000)
        reference.close()
        let indexes = try FileSystem.listDirectory(partitionDirectory).filter { $0.hasSuffix("index") }
        XCTAssertGreaterThan(indexes.count, 4)
        var random = SeededRandom.fromEnvironment()
        let damages: [(String, ([UInt8]) -> [UInt8]?)] = [
            ("deleted", { _ in nil }),
            ("garbage", { old in random.bytes(old.count) }),
            ("zero-padded to 10 MiB", { old in old + [UInt8](repeating: 0, count: 10 << 20) }),
            ("entries pointing past the log", { _ in SegmentIndex.encode(OffsetIndexEntry(relativeOffset: 5, position: 1 << 30)) }),
            ("truncated mid-entry", { old in Array(old.dropLast(3)) }),
        ]
        for (label, damage) in damages {
            for name in indexes {
                let path = partitionDirectory + "/" + name
                let old = (try? SystemFile(path: path, mode: .readOnly).readAll(limit: 1 << 30)) ?? []
                if let new = damage(old) {
                    try SystemFile(path: path, mode: .createOrTruncate).write(new, at: 0)
                } else {
                    try FileSystem.remove(path)
                }
            }
            let before = try DirectorySnapshot(logPath)
            let readOnly = try EventLog.open(logPath, mode: .readOnly)
            let partition = try readOnly.partition(partitionID)
            XCTAssertEqual(try partition.read(from: .zero, maxRecords: 10_000), expected, label)
            for record in expected.shuffled(using: &random).prefix(40) {
                XCTAssertEqual(try partition.read(from: record.offset, maxRecords: 1).first, record, label)
                XCTAssertEqual(try partition.offset(forTimestamp: record.timestamp), expected.first { $0.timestamp >= record.timestamp }!.offset, label)
            }
            readOnly.close()
            XCTAssertEqual(try DirectorySnapshot(logPath), before, "\(label): read-only open changed files")
            let writable = try EventLog.open(logPath, mode: .readWrite)
            XCTAssertEqual(try writable.partition(partitionID).read(from: .zero, maxRecords: 10_000), expected, label)
            writable.close()
            let rewritten = try EventLog.open(logPath, mode: .readOnly)
            XCTAssertEqual(try Verifier.verify(rewritten).staleIndexes, [], "\(label): indexes not rewritten")
            rewritten.close()
        }
    }
}
