import CRC32C
import Crypto
@testable import EventLog
import TestSupport
import XCTest

/// The tamper-evidence chain: recomputed independently here (SHA-256 over the raw `.log` bytes,
/// batch by batch) and checked against edits that keep every CRC valid.
final class HashChainTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    var logPath: String { directory.appending("log") }
    let partitionID = TopicPartition(topic: "bank", partition: 0)
    var partitionPath: String { logPath + "/bank-0" }

    /// `batches` batches of 3 events in segments of at most `segmentBytes`.
    func writeLog(batches: Int, segmentBytes: Int = 1 << 20, retentionMs: Int64 = 0, startingAt start: Int = 0) throws {
        let log = try EventLog.open(logPath, mode: .readWrite, create: true)
        defer { log.close() }
        if log.topics().isEmpty { try log.createTopic("bank", config: TopicConfig(partitions: 1, retentionMs: retentionMs, segmentBytes: segmentBytes)) }
        for n in start..<(start + batches) {
            _ = try log.append((0..<3).map { event("deposit \(n)-\($0) " + String(repeating: "x", count: 40), key: "acct", at: Int64(n * 10 + $0)) }, to: "bank")
        }
    }

    func verify(expecting: [ChainExpectation] = []) throws -> VerifyReport {
        let log = try EventLog.open(logPath, mode: .readOnly)
        defer { log.close() }
        return try Verifier.verify(log, expecting: expecting)
    }

    func segmentFiles() throws -> [String] {
        try FileSystem.listDirectory(partitionPath).filter { $0.hasSuffix(".log") }.sorted().map { partitionPath + "/" + $0 }
    }

    /// Batch byte ranges of one segment file, from the length fields.
    func batchRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var position = 0
        while position + 12 <= bytes.count {
            let length = bytes[(position + 8)..<(position + 12)].reduce(0) { $0 << 8 | Int($1) }
            ranges.append(position..<(position + 12 + length))
            position += 12 + length
        }
        return ranges
    }

    /// SHA-256(previous ‖ batch) over every batch of every segment, with swift-crypto directly.
    func independentHead() throws -> [UInt8] {
        var value = [UInt8](repeating: 0, count: 32)
        for path in try segmentFiles() {
            let bytes = try SystemFile(path: path, mode: .readOnly).readAll(limit: 1 << 30)
            for range in batchRanges(bytes) { value = Array(SHA256.hash(data: value + bytes[range])) }
        }
        return value
    }

    func testHeadEqualsAnIndependentSHA256ChainAcrossSegmentRolls() throws {
        try writeLog(batches: 60, segmentBytes: 4096)
        XCTAssertGreaterThan(try segmentFiles().count, 3)
        let report = try verify()
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.heads.count, 1)
        XCTAssertEqual(report.heads[0].status, .verified)
        XCTAssertEqual(report.heads[0].unchainedTailBatches, 0, "close flushes every chain entry")
        XCTAssertEqual(report.heads[0].value.bytes, try independentHead())
        XCTAssertEqual(report.heads[0].lastOffset, 179)
    }

    /// An edit that recomputes Kafka's CRC passes every CRC check; only the chain sees it.
    func testAValueEditedWithItsCRCFixedBreaksTheChainAtThatBatch() throws {
        try writeLog(batches: 30, segmentBytes: 4096)
        let segment = try segmentFiles()[1]
        var bytes = try SystemFile(path: segment, mode: .readOnly).readAll(limit: 1 << 30)
        let ranges = batchRanges(bytes)
        let target = ranges[2]
        let edit = bytes[target].firstIndex(of: UInt8(ascii: "x"))!
        bytes[edit] = UInt8(ascii: "y")
        let crc = bytes[(target.lowerBound + 21)..<target.upperBound].withUnsafeBytes { rewind_crc32c_extend(0, $0.baseAddress, $0.count) }
        for index in 0..<4 { bytes[target.lowerBound + 17 + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(index))) }
        try SystemFile(path: segment, mode: .createOrTruncate).write(bytes, at: 0)
        let editedBase = bytes[target.lowerBound..<(target.lowerBound + 8)].reduce(Int64(0)) { $0 << 8 | Int64($1) }

        let report = try verify()
        XCTAssertEqual(report.problems.count, 1, "\(report.problems)")
        XCTAssertTrue(report.problems[0].message.contains("hash chain breaks at offset \(editedBase)"), report.problems[0].message)
        XCTAssertTrue(report.problems[0].path.hasSuffix(".chain"))
        XCTAssertEqual(report.heads[0].status, .broken(offset: editedBase))
        XCTAssertEqual(report.heads[0].value.bytes, try independentHead(), "the head is what the bytes hold now")
    }

    /// Bytes 0–7 (base offset) are outside Kafka's CRC: a flip there shifts offsets unnoticed by CRCs.
    func testAFlippedBaseOffsetBreaksTheChain() throws {
        try writeLog(batches: 10)
        let segment = try segmentFiles()[0]
        var bytes = try SystemFile(path: segment, mode: .readOnly).readAll(limit: 1 << 30)
        let target = batchRanges(bytes)[4]
        bytes[target.lowerBound + 7] ^= 0x01
        try SystemFile(path: segment, mode: .createOrTruncate).write(bytes, at: 0)
        let report = try verify()
        XCTAssertTrue(report.problems.contains { $0.message.contains("hash chain breaks") }, "\(report.problems)")
    }

    func testRemovedAndReorderedBatchesBreakTheChain() throws {
        try writeLog(batches: 10)
        let pristine = directory.appending("pristine")
        try copyTree(logPath, to: pristine)
        let segment = try segmentFiles()[0]
        let original = try SystemFile(path: segment, mode: .readOnly).readAll(limit: 1 << 30)
        let ranges = batchRanges(original)
        let removed = Array(original[..<ranges[9].lowerBound]) // the last batch gone: a clean cut, CRCs all valid
        let swapped = Array(original[..<ranges[3].lowerBound] + original[ranges[4]] + original[ranges[3]] + original[ranges[5].lowerBound...])
        for (name, bytes, expected) in [("removed", removed, "no longer has"), ("reordered", swapped, "hash chain breaks")] {
            try FileSystem.removeTree(logPath)
            try copyTree(pristine, to: logPath)
            try SystemFile(path: segment, mode: .createOrTruncate).write(bytes, at: 0)
            let report = try verify()
            XCTAssertTrue(report.problems.contains { $0.message.contains(expected) }, "\(name): \(report.problems)")
            guard case .broken = report.heads[0].status else { return XCTFail("\(name): \(report.heads[0].status)") }
        }
    }

    /// Rewriting the whole `.chain` to match an edit fools the stored chain, not a head kept elsewhere.
    func testARecordedHeadCatchesARewrittenChainAndAcceptsLaterAppends() throws {
        try writeLog(batches: 10)
        let recorded = try verify().heads[0]
        let expectation = try ChainExpectation(parsing: recorded.description)
        try writeLog(batches: 5, startingAt: 10)
        let later = try verify(expecting: [expectation])
        XCTAssertEqual(later.problems, [])
        XCTAssertEqual(later.matchedExpectations, [expectation])

        // The attacker edits batch 2 and rebuilds the chain file from the edited log.
        let segment = try segmentFiles()[0]
        var bytes = try SystemFile(path: segment, mode: .readOnly).readAll(limit: 1 << 30)
        let target = batchRanges(bytes)[2]
        bytes[bytes[target].firstIndex(of: UInt8(ascii: "x"))!] = UInt8(ascii: "z")
        let crc = bytes[(target.lowerBound + 21)..<target.upperBound].withUnsafeBytes { rewind_crc32c_extend(0, $0.baseAddress, $0.count) }
        for index in 0..<4 { bytes[target.lowerBound + 17 + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(index))) }
        try SystemFile(path: segment, mode: .createOrTruncate).write(bytes, at: 0)
        try FileSystem.remove(segment.replacingOccurrences(of: ".log", with: ".chain"))
        let reopened = try EventLog.open(logPath, mode: .readWrite) // recovery chains the edited log afresh
        reopened.close()
        XCTAssertEqual(try verify().problems, [], "the stored chain now agrees with the edit")
        let caught = try verify(expecting: [expectation])
        XCTAssertEqual(caught.problems.count, 1)
        XCTAssertTrue(caught.problems[0].message.contains("head recorded at offset \(recorded.lastOffset!) does not match"), caught.problems[0].message)
        XCTAssertThrowsError(try ChainExpectation(parsing: "bank-0:12:nothex"))
    }

    func testRetentionKeepsTheRestVerifiableAndTheHeadUnchanged() throws {
        try writeLog(batches: 40, segmentBytes: 4096, retentionMs: 100)
        let before = try verify().heads[0]
        let log = try EventLog.open(logPath, mode: .readWrite)
        let removed = try log.enforceRetention(now: Timestamp(milliseconds: 500))
        log.close()
        XCTAssertGreaterThan(removed.count, 0)
        XCTAssertFalse(try FileSystem.listDirectory(partitionPath).contains("00000000000000000000.chain"))
        let after = try verify()
        XCTAssertEqual(after.problems, [])
        XCTAssertEqual(after.heads[0].status, .verified)
        XCTAssertEqual(after.heads[0].value, before.value)
    }

    // MARK: Crash points

    /// After a crash the chain file may lack its last entries (power loss), carry ones for a
    /// torn tail, or end in zeros. A writable open mends each and the result verifies.
    func testRecoveryCompletesTrimsAndUnpadsTheChain() throws {
        try writeLog(batches: 12)
        let chainPath = partitionPath + "/00000000000000000000.chain"
        let full = try SystemFile(path: chainPath, mode: .readOnly).readAll(limit: 1 << 20)
        let head = try verify().heads[0].value
        let pristine = directory.appending("pristine")
        try copyTree(logPath, to: pristine)
        let logFile = partitionPath + "/00000000000000000000.log"
        let ranges = batchRanges(try SystemFile(path: logFile, mode: .readOnly).readAll(limit: 1 << 30))
        let damages: [(String, () throws -> Void, Bool)] = [
            ("lost entries", { try SystemFile(path: chainPath, mode: .readWrite).truncate(to: Int64(48 + 5 * 48)) }, false),
            ("lost file", { try FileSystem.remove(chainPath) }, false),
            ("zero padding", { try SystemFile(path: chainPath, mode: .readWrite).write([UInt8](repeating: 0, count: 4096), at: Int64(full.count)) }, false),
            ("torn log tail", { try SystemFile(path: logFile, mode: .readWrite).truncate(to: Int64(ranges[11].lowerBound + 30)) }, true),
        ]
        for (name, damage, tornTail) in damages {
            try FileSystem.removeTree(logPath)
            try copyTree(pristine, to: logPath)
            try damage()
            let log = try EventLog.open(logPath, mode: .readWrite)
            XCTAssertFalse(log.repairs.isEmpty, name)
            _ = try log.append([event("after", at: 999)], to: "bank")
            log.close()
            let report = try verify()
            XCTAssertEqual(report.problems, [], name)
            XCTAssertEqual(report.heads[0].status, .verified, name)
            XCTAssertEqual(report.heads[0].value.bytes, try independentHead(), name)
            if !tornTail {
                let withoutLast = try verify(expecting: [ChainExpectation(parsing: "bank-0:35:\(head.hex)")])
                XCTAssertEqual(withoutLast.matchedExpectations.count, 1, name)
            }
        }
    }

    /// An entry naming another batch inside the valid log is an edit, not a crash: no rewrite.
    func testAWritableOpenRefusesToExtendAChainThatContradictsTheLog() throws {
        try writeLog(batches: 6)
        let chainPath = partitionPath + "/00000000000000000000.chain"
        let file = try SystemFile(path: chainPath, mode: .readWrite)
        try file.write([0, 0, 0, 1], at: 48 + 2 * 48 + 8) // entry 2's position
        file.close()
        let before = try DirectorySnapshot(logPath)
        XCTAssertThrowsError(try EventLog.open(logPath, mode: .readWrite)) { error in
            XCTAssertTrue("\(error)".contains(".chain"), "\(error)")
        }
        XCTAssertEqual(try DirectorySnapshot(logPath).files.filter { !$0.key.hasSuffix(".lock") }, before.files.filter { !$0.key.hasSuffix(".lock") })
    }

    func testKafkaCapturesHaveNoChainButAComputedHead() throws {
        let testdata = sharedTestData("kafka/payments-1")
        let log = try EventLog.open(testdata, mode: .readOnly)
        defer { log.close() }
        let report = try Verifier.verify(log)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.heads.map(\.status), [.unchained])
        var value = [UInt8](repeating: 0, count: 32)
        let bytes = try SystemFile(path: testdata + "/00000000000000000000.log", mode: .readOnly).readAll(limit: 1 << 30)
        for range in batchRanges(bytes) { value = Array(SHA256.hash(data: value + bytes[range])) }
        XCTAssertEqual(report.heads[0].value.bytes, value)
    }
}
