@testable import EventLog
import TestSupport
import XCTest

/// Recovery never deletes valid data: damage followed by valid batches is refused by a writable
/// open (every byte left as it was) and named by `verify` as what it is; `rewind repair` moves only
/// the damaged bytes aside.
final class DamageRecoveryTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    let partitionID = TopicPartition(topic: "t", partition: 0)
    var logPath: String { directory.appending("log") }
    var partitionPath: String { logPath + "/t-0" }
    var segmentPath: String { partitionPath + "/00000000000000000000.log" }

    /// The log of the report: 20 batches of 50 events in one segment. Returns each batch's bytes.
    func writeTwentyBatches() throws -> [Range<Int>] {
        let log = try EventLog.open(logPath, mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("t", config: TopicConfig(partitions: 1))
        var ranges: [Range<Int>] = []
        for batch in 0..<20 {
            let start = Int(try FileSystem.fileSize(segmentPath))
            try log.partition(partitionID).append((0..<50).map { event("{\"b\":\(batch),\"i\":\($0)}", at: Int64(batch * 1000 + $0)) })
            ranges.append(start..<Int(try FileSystem.fileSize(segmentPath)))
        }
        return ranges
    }

    func snapshot() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in try FileSystem.listDirectory(partitionPath) {
            files[name] = try SystemFile(path: partitionPath + "/" + name, mode: .readOnly).readAll(limit: 1 << 24)
        }
        return files
    }

    func overwrite(at position: Int, with bytes: [UInt8]) throws {
        let file = try SystemFile(path: segmentPath, mode: .readWrite)
        defer { file.close() }
        try file.write(bytes, at: Int64(position))
    }

    func offsets(_ log: EventLog) throws -> [Int64] {
        try log.partition(partitionID).read(from: .zero, maxRecords: 10_000).map(\.offset.rawValue)
    }

    /// The report's first finding: batch 11's length field off by 7 (outside the CRC). Today's open
    /// cut 11,520 bytes and the 450 events of the nine valid batches after it.
    func testADamagedLengthFollowedByValidBatchesIsRefusedAndNothingChanges() throws {
        let ranges = try writeTwentyBatches()
        let damaged = ranges[10]
        let file = try SystemFile(path: segmentPath, mode: .readOnly)
        let length = try file.read(at: Int64(damaged.lowerBound + 8), count: 4)
        file.close()
        let value = UInt32(length[0]) << 24 | UInt32(length[1]) << 16 | UInt32(length[2]) << 8 | UInt32(length[3])
        try overwrite(at: damaged.lowerBound + 8, with: withUnsafeBytes(of: (value + 7).bigEndian, Array.init))
        try assertRefusedAndUnchanged(damage: damaged.lowerBound..<ranges[11].lowerBound, offsets: "500...549", records: 950)
    }

    /// The same with the whole batch 11 zeroed.
    func testAZeroedBatchFollowedByValidBatchesIsRefusedAndNothingChanges() throws {
        let ranges = try writeTwentyBatches()
        try overwrite(at: ranges[10].lowerBound, with: [UInt8](repeating: 0, count: ranges[10].count))
        try assertRefusedAndUnchanged(damage: ranges[10].lowerBound..<ranges[11].lowerBound, offsets: "500...549", records: 950)
    }

    /// Without the `.chain` hints the byte-by-byte resync still finds the valid batches.
    func testResyncWithoutAChainFindsTheValidBatches() throws {
        let ranges = try writeTwentyBatches()
        try FileSystem.remove(partitionPath + "/00000000000000000000.chain")
        try overwrite(at: ranges[3].lowerBound + 20, with: [UInt8](repeating: 0xAB, count: ranges[3].count + 300))
        try assertRefusedAndUnchanged(damage: ranges[3].lowerBound..<ranges[5].lowerBound, offsets: "150...249", records: 900)
    }

    func assertRefusedAndUnchanged(damage: Range<Int>, offsets: String, records: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try snapshot()
        XCTAssertThrowsError(try EventLog.open(logPath, mode: .readWrite), file: file, line: line) { error in
            let failure = error as! EventLogError
            XCTAssertEqual(failure.code, .corruptBatch, file: file, line: line)
            XCTAssertEqual(failure.path, segmentPath, file: file, line: line)
            XCTAssertEqual(failure.position, Int64(damage.lowerBound), file: file, line: line)
            XCTAssertTrue(failure.message.contains("\(damage.lowerBound)..<\(damage.upperBound)"), failure.message, file: file, line: line)
            XCTAssertTrue(failure.message.contains("offsets \(offsets)"), failure.message, file: file, line: line)
            XCTAssertTrue(failure.message.contains("rewind repair"), file: file, line: line)
        }
        XCTAssertEqual(try snapshot(), before, "a refused open changes no byte", file: file, line: line)
        let log = try EventLog.open(logPath, mode: .readOnly)
        defer { log.close() }
        let report = try Verifier.verify(log)
        XCTAssertEqual(report.incompleteTails, [], "damage followed by valid data is not an incomplete tail", file: file, line: line)
        let problem = report.problems.first { $0.path == segmentPath }
        XCTAssertEqual(problem?.position, Int64(damage.lowerBound), file: file, line: line)
        XCTAssertTrue(problem?.message.contains("damaged bytes \(damage.lowerBound)..<\(damage.upperBound)") ?? false, "\(report.problems)", file: file, line: line)
        XCTAssertEqual(report.records, records, "every valid batch after the damage was read", file: file, line: line)
        XCTAssertEqual(try snapshot(), before, "verify changes no byte", file: file, line: line)
    }

    /// `rewind repair` moves exactly the damaged bytes aside, keeps every valid batch at its offsets,
    /// leaves a log that verifies (quarantine listed) and opens for writing at the old end.
    func testRepairQuarantinesTheDamageAndKeepsEveryValidBatchAtItsOffset() throws {
        let ranges = try writeTwentyBatches()
        let pristine = try SystemFile(path: segmentPath, mode: .readOnly).readAll(limit: 1 << 24)
        try overwrite(at: ranges[10].lowerBound + 30, with: [0xFF, 0xFF])
        try overwrite(at: ranges[15].lowerBound, with: [UInt8](repeating: 0, count: ranges[15].count))
        let damaged = try SystemFile(path: segmentPath, mode: .readOnly).readAll(limit: 1 << 24)

        let reports = try EventLog.repair(logPath)
        XCTAssertEqual(reports.count, 1)
        let quarantined = reports[0].quarantined
        XCTAssertEqual(quarantined.map(\.bytes), [ranges[10], ranges[15]])
        XCTAssertEqual(quarantined.map(\.affectedOffsets), [500...549, 750...799])
        for range in quarantined {
            XCTAssertEqual(try SystemFile(path: range.quarantinePath, mode: .readOnly).readAll(limit: 1 << 24), Array(damaged[range.bytes]))
            XCTAssertEqual(FileSystem.lastComponent(of: range.quarantinePath), "00000000000000000000.log.corrupt-\(range.bytes.lowerBound)")
        }
        let kept = Array(pristine[..<ranges[10].lowerBound]) + Array(pristine[ranges[11].lowerBound..<ranges[15].lowerBound]) + Array(pristine[ranges[16].lowerBound...])
        XCTAssertEqual(try SystemFile(path: segmentPath, mode: .readOnly).readAll(limit: 1 << 24), kept, "the valid batches, byte for byte")

        var log = try EventLog.open(logPath, mode: .readOnly)
        let report = try Verifier.verify(log)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.staleIndexes, [])
        XCTAssertEqual(report.quarantined.count, 2)
        XCTAssertEqual(report.heads.first?.status, .verified)
        XCTAssertEqual(try offsets(log), Array(0..<500) + Array(550..<750) + Array(800..<1000))
        log.close()

        log = try EventLog.open(logPath, mode: .readWrite)
        XCTAssertEqual(log.repairs, [], "nothing left for recovery to do")
        let appended = try log.partition(partitionID).append([event("after", at: 99_000)])
        XCTAssertEqual(appended.firstOffset, Offset(1000))
        log.close()
        XCTAssertEqual(try EventLog.repair(logPath).flatMap(\.quarantined), [], "a second repair finds nothing")
        XCTAssertEqual(try FileSystem.listDirectory(partitionPath).filter { $0.contains("corrupt") }.count, 2)
    }

    /// A torn tail is still only a torn tail: repair quarantines it too, rather than deleting it.
    func testRepairQuarantinesATornTail() throws {
        let ranges = try writeTwentyBatches()
        try SystemFile(path: segmentPath, mode: .readWrite).truncate(to: Int64(ranges[19].lowerBound + 100))
        let reports = try EventLog.repair(logPath)
        XCTAssertEqual(reports[0].quarantined.map(\.bytes), [ranges[19].lowerBound..<(ranges[19].lowerBound + 100)])
        XCTAssertNil(reports[0].quarantined[0].affectedOffsets)
        let log = try EventLog.open(logPath, mode: .readWrite)
        defer { log.close() }
        XCTAssertEqual(try offsets(log).count, 950)
    }

    /// Crash point 1 (RepairJournal): staged files without a journal are discarded; the old files
    /// stay. Crash point 3: a journal whose renames were cut short is finished by the next open.
    func testAnInterruptedRepairLeavesTheOldOrTheNewFilesNeverAMix() throws {
        let ranges = try writeTwentyBatches()
        try overwrite(at: ranges[4].lowerBound + 40, with: [0xEE])
        let damagedFiles = try snapshot()

        // The reference: a repair run to completion on a copy.
        let reference = directory.appending("reference")
        try copyTree(logPath, to: reference)
        _ = try EventLog.repair(reference)
        var repairedFiles: [String: [UInt8]] = [:]
        for name in try FileSystem.listDirectory(reference + "/t-0") {
            repairedFiles[name] = try SystemFile(path: reference + "/t-0/" + name, mode: .readOnly).readAll(limit: 1 << 24)
        }

        // Crash point 1: staged, never committed.
        _ = try RepairJournal.stage([1, 2, 3], as: "00000000000000000000.log", in: partitionPath)
        XCTAssertThrowsError(try EventLog.open(logPath, mode: .readWrite)) // the damage is still there…
        XCTAssertEqual(try snapshot(), damagedFiles, "…and the staged file is gone, the old ones intact")

        // Crash point 3: staged as repair does, journal committed, only the first rename done.
        let staged = try FileSystem.listDirectory(reference + "/t-0").map { name in
            try RepairJournal.stage(repairedFiles[name]!, as: name, in: partitionPath)
        }
        var journal = ""
        for rename in staged { journal += "\(rename.from)\t\(rename.to)\n" }
        journal += "end\n"
        try FileSystem.writeAtomically(Array(journal.utf8), to: partitionPath + "/" + RepairJournal.fileName)
        try FileSystem.rename(partitionPath + "/" + staged[0].from, to: partitionPath + "/" + staged[0].to)
        let log = try EventLog.open(logPath, mode: .readWrite)
        log.close()
        let after = try snapshot()
        XCTAssertEqual(after.keys.sorted(), repairedFiles.keys.sorted())
        for (name, bytes) in repairedFiles where !name.hasSuffix("index") {
            XCTAssertEqual(after[name], bytes, name)
        }
    }
}
