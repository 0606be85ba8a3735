/// A damaged byte range `rewind repair` moved out of a segment.
public struct QuarantinedRange: Hashable, Sendable, CustomStringConvertible {
    /// The segment the bytes came from.
    public var segmentPath: String
    /// Where they were in it (before the repair).
    public var bytes: Range<Int>
    /// The file beside the segment that now holds them, byte for byte.
    public var quarantinePath: String
    /// Offsets that may have been in them: the gap between the valid batches around the range.
    public var affectedOffsets: ClosedRange<Int64>?
    public var reason: String

    public var description: String {
        let offsets = affectedOffsets.map { "offsets \($0.lowerBound)...\($0.upperBound)" } ?? "no offsets"
        return "\(segmentPath): moved damaged bytes \(bytes.lowerBound)..<\(bytes.upperBound) (\(reason); \(offsets)) to \(quarantinePath)"
    }
}

/// What `rewind repair` did to one partition.
public struct PartitionRepairReport: Sendable {
    public var topicPartition: TopicPartition
    public var quarantined: [QuarantinedRange] = []
    /// Segments rewritten without their damaged ranges (indexes rebuilt with them).
    public var rewrittenSegments: [String] = []
    /// Segments whose `.chain` was recomputed because a segment at or before them changed.
    public var rechainedSegments: [String] = []
    /// An earlier repair interrupted by a crash was completed (or rolled back) first.
    public var finishedInterruptedRepair = false
    public var valid: Bool { quarantined.isEmpty && !finishedInterruptedRepair }
}

// `rewind repair` on one partition directory: every segment is read whole; each batch is valid under
// recovery's rule (BatchResync.validBatch: length, magic, CRC; and offsets that do not go back);
// every run of bytes between valid batches is a damaged range. A segment with damage is rewritten
// as its valid batches, in order, at their own offsets (the offsets the damage held become a gap,
// as compaction leaves), and each damaged range is moved byte for byte into
// `<base>.log.corrupt-<position>` beside it, so nothing is deleted. Indexes of a rewritten segment
// are rebuilt, and the hash chain is recomputed from the first rewritten segment to the end of the
// partition (the values before the damage do not change; a head recorded after it no longer
// matches, which is the truth: bytes were removed).
//
// Every new file is staged and installed through RepairJournal (its header lists the crash points).
// The caller holds the log's writer lock, so no writer appends meanwhile.
enum PartitionRepair {
    static func repair(_ directory: String, topicPartition: TopicPartition, decompressor: BatchDecompressor) throws -> PartitionRepairReport {
        var report = PartitionRepairReport(topicPartition: topicPartition)
        report.finishedInterruptedRepair = try RepairJournal.finish(in: directory)
        let names = try FileSystem.listDirectory(directory)
        let bases = names.compactMap(Segment.baseOffset(fromFileName:)).sorted()
        var renames: [(from: String, to: String)] = []
        var chainFrom: Int?
        var newLogs: [Int64: [UInt8]] = [:]
        var expected: Int64?
        var decoder = BatchDecoder(decompressor: decompressor)
        for (number, base) in bases.enumerated() {
            let segment = Segment(directory: directory, baseOffset: base, persistsIndexes: false)
            let log = try SystemFile(path: segment.logPath, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
            let scan = log.withUnsafeBytes { bytes in
                Self.scan(bytes, segment: segment, expectedAtLeast: expected ?? base, decoder: &decoder)
            }
            expected = scan.endOffset ?? expected
            guard !scan.damaged.isEmpty else { continue }
            var kept: [UInt8] = []
            kept.reserveCapacity(log.count)
            for range in scan.valid { kept += log[range] }
            for damage in scan.damaged {
                let name = uniqueName(FileSystem.lastComponent(of: segment.logPath) + ".corrupt-\(damage.bytes.lowerBound)", taken: names)
                renames.append(try RepairJournal.stage(Array(log[damage.bytes]), as: name, in: directory))
                report.quarantined.append(QuarantinedRange(segmentPath: segment.logPath, bytes: damage.bytes, quarantinePath: directory + "/" + name,
                                                           affectedOffsets: damage.offsets, reason: damage.reason))
            }
            let index = indexes(of: kept, baseOffset: base, sealed: number < bases.count - 1)
            renames.append(try RepairJournal.stage(kept, as: FileSystem.lastComponent(of: segment.logPath), in: directory))
            renames.append(try RepairJournal.stage(index.fileBytes.offsets, as: FileSystem.lastComponent(of: segment.indexPath), in: directory))
            renames.append(try RepairJournal.stage(index.fileBytes.times, as: FileSystem.lastComponent(of: segment.timeIndexPath), in: directory))
            report.rewrittenSegments.append(segment.logPath)
            newLogs[base] = kept
            chainFrom = chainFrom ?? number
        }
        guard let chainFrom else { return report }
        var previous = chainStart(of: bases, at: chainFrom, in: directory)
        for base in bases[chainFrom...] {
            let segment = Segment(directory: directory, baseOffset: base, persistsIndexes: false)
            let log = try newLogs[base] ?? SystemFile(path: segment.logPath, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
            let chain = log.withUnsafeBytes { SegmentChain.rebuilt(for: $0, baseOffset: base, previous: previous) }
            previous = chain.end
            renames.append(try RepairJournal.stage(chain.bytes, as: FileSystem.lastComponent(of: segment.chainPath), in: directory))
            report.rechainedSegments.append(segment.chainPath)
        }
        try RepairJournal.commit(renames, in: directory)
        return report
    }

    struct Damage {
        var bytes: Range<Int>
        var offsets: ClosedRange<Int64>?
        var reason: String
    }

    struct Scan {
        var valid: [Range<Int>] = []
        var damaged: [Damage] = []
        var endOffset: Int64?
    }

    /// Valid batches and the damaged ranges between them.
    static func scan(_ bytes: UnsafeRawBufferPointer, segment: Segment, expectedAtLeast: Int64, decoder: inout BatchDecoder) -> Scan {
        var result = Scan()
        var expected = expectedAtLeast
        var position = 0
        let hints = BatchResync.chainPositions(of: segment, logBytes: bytes.count)
        while position < bytes.count {
            if let header = BatchResync.validBatch(in: bytes, at: position), header.baseOffset >= expected,
               recordsParse(bytes, at: position, header: header, decoder: &decoder, path: segment.logPath) {
                result.valid.append(position..<(position + header.totalSize))
                expected = header.lastOffset + 1
                result.endOffset = expected
                position += header.totalSize
                continue
            }
            let found = BatchResync.nextValidBatch(in: bytes, after: position, chainPositions: hints)
            let end = found?.position ?? bytes.count
            let next = found?.header.baseOffset
            let offsets: ClosedRange<Int64>? = next.map { $0 > expected ? expected...($0 - 1) : nil } ?? nil
            result.damaged.append(Damage(bytes: position..<end, offsets: offsets, reason: reason(bytes, at: position, expected: expected, found: found != nil)))
            position = end
        }
        return result
    }

    private static func recordsParse(_ bytes: UnsafeRawBufferPointer, at position: Int, header: RecordBatchHeader,
                                     decoder: inout BatchDecoder, path: String) -> Bool {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + header.totalSize)])
        do {
            _ = try decoder.forEachRecord(slice, path: path, position: position) { _, _ in true }
            return true
        } catch let error as EventLogError where error.code == .unsupportedCodec {
            return true // the CRC held; a codec this build lacks is not damage
        } catch {
            return false
        }
    }

    private static func reason(_ bytes: UnsafeRawBufferPointer, at position: Int, expected: Int64, found: Bool) -> String {
        if let header = BatchResync.validBatch(in: bytes, at: position), header.baseOffset < expected {
            return "batch offset \(header.baseOffset) goes back (expected ≥ \(expected))"
        }
        guard position + RecordBatchHeader.size <= bytes.count,
              let header = try? RecordBatchHeader(parsing: UnsafeRawBufferPointer(rebasing: bytes[position...])) else {
            return found ? "unreadable bytes" : "incomplete batch at the end"
        }
        if header.magic != 2 { return "invalid batch header (magic \(header.magic))" }
        if position + header.totalSize > bytes.count || header.totalSize < RecordBatchHeader.size { return found ? "batch length runs past the valid data" : "incomplete batch at the end" }
        return "CRC mismatch or unparsable records"
    }

    /// Index files for a rewritten segment, as the writer would have produced them.
    private static func indexes(of log: [UInt8], baseOffset: Int64, sealed: Bool) -> SegmentIndex {
        log.withUnsafeBytes { SegmentIndexBuilder.rebuilt(from: $0, baseOffset: baseOffset, sealed: sealed).index }
    }

    /// The value the chain starts from at segment `number`: its own header's (kept: the part of the
    /// chain before it is unchanged), else where the segment before ended, else the genesis value.
    static func chainStart(of bases: [Int64], at number: Int, in directory: String) -> ChainValue {
        let segment = Segment(directory: directory, baseOffset: bases[number], persistsIndexes: false)
        if let head = try? ChainRecovery.readPrefix(segment.chainPath, limit: ChainHeader.size),
           let (header, _) = SegmentChain.decode(head, baseOffset: segment.baseOffset) {
            return header.previous
        }
        if number > 0, let value = ChainRecovery.lastValue(of: Segment(directory: directory, baseOffset: bases[number - 1], persistsIndexes: false)) {
            return value
        }
        return .genesis
    }

    /// A quarantine file never replaces an earlier one (a second repair of the same segment).
    private static func uniqueName(_ name: String, taken: [String]) -> String {
        guard taken.contains(name) else { return name }
        var suffix = 2
        while taken.contains("\(name)-\(suffix)") { suffix += 1 }
        return "\(name)-\(suffix)"
    }
}
