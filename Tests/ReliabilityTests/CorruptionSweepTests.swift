@testable import EventLog
import Foundation
import TestSupport
import XCTest

/// Faults injected into copies of a log — bit flips, zeroed ranges, truncations and garbage
/// appended, in segments, index files and hash-chain files. Whatever the fault: no crash, no hang,
/// errors name their file. A fault in bytes Kafka's CRC covers (or a truncation, or garbage
/// appended) never makes a read return a record different from what was written; a damaged index
/// never changes what reads return. Every change to a segment is reported by `verify` — bytes 0–7
/// and 12–15 of a batch (base offset, leader epoch), which Kafka's CRC leaves out, through the hash
/// chain — and so is every change to a chain file's header or entries. After each fault a writable
/// open either refuses (changing no byte) or recovers, and every batch that was valid before the
/// fault and is not itself damaged is still in its segment. `REWIND_FAULTS=N` sets the number of
/// faults (default 200).
final class CorruptionSweepTests: XCTestCase {
    func testInjectedFaultsAreDetectedAndNeverServeWrongData() throws {
        var random = SeededRandom.fromEnvironment()
        let faults = Int(ProcessInfo.processInfo.environment["REWIND_FAULTS"] ?? "") ?? 200
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pristine = directory.appending("pristine")
        let writer = try EventLog.open(pristine, mode: .readWrite, create: true)
        try writer.createTopic("t", config: TopicConfig(partitions: 2, segmentBytes: 16 << 10))
        for batch in 0..<120 {
            let records = (0..<Int.random(in: 1...12, using: &random)).map { n in
                ProducerRecord(key: Array("k\(n % 5)".utf8), value: Array(#"{"batch":\#(batch),"n":\#(n),"pad":"\#(String(repeating: "z", count: Int.random(in: 0...200, using: &random)))"}"#.utf8),
                               headers: [Header(key: "event-id", value: Array("e\(batch)-\(n)".utf8))], timestamp: Timestamp(milliseconds: Int64(batch * 100 + n)))
            }
            _ = try writer.append(records, to: "t")
        }
        writer.close()
        var reference: [String: Record] = [:]
        let original = try EventLog.open(pristine, mode: .readOnly)
        for partition in try original.partitions(of: "t") {
            for record in try partition.read(from: .zero, maxRecords: 100_000) { reference["\(partition.topicPartition.partition)/\(record.offset)"] = record }
        }
        original.close()
        let files = try ["t-0", "t-1"].flatMap { name in try FileSystem.listDirectory(pristine + "/" + name).map { name + "/" + $0 } }
            .filter { $0.hasSuffix(".log") || $0.hasSuffix("index") || $0.hasSuffix(".chain") }
        var logFaults = 0, logFaultsDetected = 0, indexFaults = 0, recordsChecked = 0, uncoveredFaults = 0
        var chainFaults = 0, chainFaultsDetected = 0
        var validBatchesChecked = 0, validBatchesLost = 0, refusedOpens = 0, recoveredOpens = 0
        // Every batch of the pristine log, by segment file: what a writable open must never cut.
        var batchesByFile: [String: [Range<Int>]] = [:]
        for file in files where file.hasSuffix(".log") {
            let bytes = try SystemFile(path: pristine + "/" + file, mode: .readOnly).readAll(limit: 1 << 30)
            bytes.withUnsafeBytes { raw in
                _ = walkBatches(raw, from: 0) { batch in
                    batchesByFile[file, default: []].append(batch.position..<(batch.position + batch.header.totalSize))
                    return true
                }
            }
        }
        for fault in 0..<faults {
            let copy = directory.appending("copy")
            try? FileSystem.removeTree(copy)
            try copyTree(pristine, to: copy)
            // Half the faults hit segments, a third the two kinds of index, the rest chain files.
            let segments = files.filter { $0.hasSuffix(".log") }, indexes = files.filter { $0.hasSuffix("index") }
            let chains = files.filter { $0.hasSuffix(".chain") }
            let kind = Int.random(in: 0..<6, using: &random)
            let target = (kind < 3 ? segments : kind < 5 ? indexes : chains).randomElement(using: &random)!
            let path = copy + "/" + target
            let before = try SystemFile(path: path, mode: .readOnly).readAll(limit: 1 << 30)
            var after = before
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !after.isEmpty:
                let index = Int.random(in: 0..<after.count, using: &random)
                after[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1 where !after.isEmpty:
                let start = Int.random(in: 0..<after.count, using: &random)
                for index in start..<min(after.count, start + Int.random(in: 1...256, using: &random)) { after[index] = 0 }
            case 2 where !after.isEmpty:
                after.removeLast(Int.random(in: 1...after.count, using: &random))
            default:
                after += random.bytes(Int.random(in: 1...300, using: &random))
            }
            try FileSystem.remove(path)
            try SystemFile(path: path, mode: .createNew).write(after, at: 0)
            let changed = after != before
            let outsideCRC = target.hasSuffix(".log") && after.count == before.count && touchesUncoveredHeaderBytes(before, after)
            if outsideCRC { uncoveredFaults += 1 }
            let log = try EventLog.open(copy, mode: .readOnly)
            defer { log.close() }
            // Reads: every record served must be exactly the one written at that position.
            for partition in try log.partitions(of: "t") {
                var offset = partition.startOffset
                let end = try partition.endOffset()
                while offset < end {
                    do {
                        let batch = try partition.read(from: offset, maxRecords: 200)
                        guard let last = batch.last else { break }
                        for record in batch where !outsideCRC {
                            let expected = reference["\(partition.topicPartition.partition)/\(record.offset)"]
                            XCTAssertEqual(record.value, expected?.value, "fault \(fault) in \(target): wrong value served at \(record.offset)")
                            XCTAssertEqual(record.key, expected?.key, "fault \(fault) in \(target)")
                            XCTAssertEqual(record.headers, expected?.headers, "fault \(fault) in \(target)")
                            recordsChecked += 1
                        }
                        offset = last.offset.advanced(by: 1)
                    } catch let error as EventLogError {
                        XCTAssertNotNil(error.path, "fault \(fault): an error without its file: \(error)")
                        // Skip past the damage the way a reader would: the next offset.
                        offset = offset.advanced(by: 1)
                    }
                }
            }
            let report = try Verifier.verify(log)
            let reported = !report.problems.isEmpty || !report.incompleteTails.isEmpty || !report.staleIndexes.isEmpty
                || report.heads.contains { $0.unchainedTailBatches > 0 }
            // Then a writable open: it either refuses, changing no byte, or recovers; either way
            // every batch that was valid before the fault and that the fault did not touch is still
            // in its segment at its position (recovery only ever cuts a torn tail).
            var segmentsBefore: [String: [UInt8]] = [:]
            for file in batchesByFile.keys { segmentsBefore[file] = try SystemFile(path: copy + "/" + file, mode: .readOnly).readAll(limit: 1 << 30) }
            if let writable = try? EventLog.open(copy, mode: .readWrite) {
                writable.close()
                recoveredOpens += 1
            } else {
                refusedOpens += 1
                for (file, bytes) in segmentsBefore {
                    XCTAssertEqual(try SystemFile(path: copy + "/" + file, mode: .readOnly).readAll(limit: 1 << 30), bytes, "fault \(fault) in \(target): a refused open changed \(file)")
                }
            }
            for (file, ranges) in batchesByFile {
                let faulted = segmentsBefore[file]!
                let now = try SystemFile(path: copy + "/" + file, mode: .readOnly).readAll(limit: 1 << 30)
                let pristineBytes = file == target ? before : faulted
                for range in ranges where faulted.count >= range.upperBound && faulted[range] == pristineBytes[range] {
                    validBatchesChecked += 1
                    if now.count < range.upperBound || now[range] != faulted[range] {
                        validBatchesLost += 1
                        XCTFail("fault \(fault) in \(target): the valid batch at \(file) bytes \(range) was lost by recovery")
                    }
                }
            }
            if target.hasSuffix(".log") && changed {
                logFaults += 1
                if reported { logFaultsDetected += 1 } else { XCTFail("fault \(fault) in \(target) (\(before.count) → \(after.count) bytes) went unreported") }
            } else if target.hasSuffix(".chain") && changed {
                // Bytes past the last whole entry (a partial entry appended) name no batch: harmless.
                let wholeBytes = min(before.count, after.count) / ChainEntry.size * ChainEntry.size
                guard after.count < before.count || before.prefix(wholeBytes) != after.prefix(wholeBytes) || after.count - before.count >= ChainEntry.size else { continue }
                chainFaults += 1
                if reported { chainFaultsDetected += 1 } else { XCTFail("fault \(fault) in \(target) (\(before.count) → \(after.count) bytes) went unreported") }
            } else if changed {
                indexFaults += 1
            }
        }
        print("corruption sweep: \(faults) faults, \(logFaults) changed segment bytes or lengths (\(logFaultsDetected) reported by verify; \(uncoveredFaults) of them in base-offset/leader-epoch bytes outside the CRC), \(chainFaults) changed chain entries (\(chainFaultsDetected) reported), \(indexFaults) changed an index (reads stayed exact); \(recordsChecked) records served, 0 wrong unless reported above; then a writable open each: \(recoveredOpens) recovered, \(refusedOpens) refused (no byte changed); valid batches lost after recovery: \(validBatchesLost) of \(validBatchesChecked)")
        XCTAssertGreaterThan(logFaults, faults / 4)
    }

    /// True when a same-size change touches bytes 0–7 or 12–15 of some batch (outside the CRC).
    private func touchesUncoveredHeaderBytes(_ before: [UInt8], _ after: [UInt8]) -> Bool {
        var position = 0
        while position + 12 <= before.count {
            let length = Int(UInt32(before[position + 8]) << 24 | UInt32(before[position + 9]) << 16 | UInt32(before[position + 10]) << 8 | UInt32(before[position + 11]))
            for index in Array(position..<(position + 8)) + Array((position + 12)..<min(before.count, position + 16)) where before[index] != after[index] { return true }
            guard length > 0 else { break }
            position += 12 + length
        }
        return false
    }
}
