/// What a writable open repaired, so callers can report it (nothing is repaired silently).
public struct RepairNote: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    /// Byte position the log was cut at; nil when only indexes were rebuilt.
    public var truncatedAt: Int64?
    public var bytesRemoved: Int64
    public var reason: String

    public var description: String {
        if let truncatedAt {
            return "\(path): truncated \(bytesRemoved) bytes at byte \(truncatedAt) (\(reason))"
        }
        return "\(path): \(reason)"
    }
}

// Recovery of the active (last) segment on a writable open. A batch is valid if and only if its
// length is sane, it lies entirely inside the file, its magic is 2, its CRC matches, its records parse
// (uncompressed batches) and its base offset is not below the previous batch's end.
//
// The file is read from the start; at the first invalid batch at position P, the rest of the file is
// searched for a valid batch (BatchResync: the `.chain`'s positions first, then every byte):
//   - if none is found, P..EOF is a torn tail (a write cut short by a crash, or zeros where the size
//     grew before the data reached the disk): the file is truncated to P and the cut is reported;
//   - if one is found at Q, the damage is in the middle of the data: nothing is truncated or
//     rewritten, and the open fails naming the file, the byte range P..<Q and the offsets affected,
//     because cutting there would destroy good events. `rewind repair` is the explicit step that
//     moves P..<Q aside and keeps what follows (SegmentRepair).
// Recovery cuts bytes only when no valid batch starts anywhere after the cut.
// Indexes of the active segment are then rewritten from the batches that remain, and its hash chain
// is brought in line (ChainRecovery). A crash during recovery leaves either the old file (recovery
// runs again) or the truncated one (already valid).
enum SegmentRecovery {
    struct Recovered {
        var state: Segment.State
        var notes: [RepairNote]
        var chain: ChainRecovery.Outcome
    }

    /// `previousChain` gives the value the segment's chain starts from if its `.chain` is lost.
    static func recover(_ segment: Segment, decompressor: BatchDecompressor, previousChain: () -> ChainValue) throws -> Recovered {
        let file = try SystemFile(path: segment.logPath, mode: .readWrite)
        defer { file.close() }
        let size = Int(try file.size())
        let map = try MappedFile(file: file, count: size)
        var builder = SegmentIndexBuilder(baseOffset: segment.baseOffset)
        var endOffset = segment.baseOffset
        var decoder = BatchDecoder(decompressor: decompressor)
        var failure: (position: Int, reason: String)?

        let end = walkBatches(map.bytes, from: 0) { batch in
            if let reason = invalidity(of: batch, in: map.bytes, expectedAtLeast: endOffset, decoder: &decoder, path: segment.logPath) {
                failure = (batch.position, reason)
                return false
            }
            builder.add(position: batch.position, header: batch.header)
            endOffset = batch.header.lastOffset + 1
            return true
        }
        var cutAt: Int?
        var reason = ""
        switch end {
        case .end: break
        case let .incomplete(position):
            cutAt = position
            reason = "incomplete batch at the end"
        case let .corrupt(position, why):
            cutAt = position
            reason = why
        case let .stopped(position):
            cutAt = position
            reason = failure?.reason ?? "invalid batch"
        }
        if let damageStart = cutAt,
           let found = BatchResync.nextValidBatch(in: map.bytes, after: damageStart, chainPositions: BatchResync.chainPositions(of: segment, logBytes: size)) {
            throw damageFollowedByValidData(segment, range: damageStart..<found.position, firstAffected: endOffset, next: found.header, reason: reason)
        }
        // The chain is brought in line first: it refuses (changing nothing) when it contradicts the
        // log, and otherwise only drops entries past the cut, which a crash before the cut leaves
        // as a chain that the same recovery trims again.
        let validBytes = cutAt ?? size
        let chain = try ChainRecovery.recover(segment, log: UnsafeRawBufferPointer(rebasing: map.bytes[0..<validBytes]), previous: previousChain)
        var notes: [RepairNote] = []
        if let cutAt {
            try file.truncate(to: Int64(cutAt))
            try file.syncData()
            notes.append(RepairNote(path: segment.logPath, truncatedAt: Int64(cutAt), bytesRemoved: Int64(size - cutAt), reason: reason))
        }
        try rewriteIndexes(of: segment, builder.index)
        let state = Segment.State(builder: builder, validBytes: validBytes, endOffset: endOffset, problem: nil,
                                  incompleteTailBytes: 0, indexRepaired: true)
        return Recovered(state: state, notes: notes + chain.notes, chain: chain)
    }

    private static func invalidity(of batch: WalkedBatch, in bytes: UnsafeRawBufferPointer, expectedAtLeast: Int64,
                                   decoder: inout BatchDecoder, path: String) -> String? {
        if batch.isLegacy { return "legacy message set in a writable log" }
        if batch.header.baseOffset < expectedAtLeast {
            return "batch offset \(batch.header.baseOffset) goes back (expected ≥ \(expectedAtLeast))"
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[batch.position..<(batch.position + batch.header.totalSize)])
        do {
            _ = try decoder.forEachRecord(slice, path: path, position: batch.position) { _, _ in true }
        } catch let error as EventLogError where error.code == .unsupportedCodec {
            // The CRC was checked before decompression; a codec we lack is not damage.
            return nil
        } catch {
            return (error as? EventLogError)?.message ?? "\(error)"
        }
        return nil
    }

    /// The refusal of a writable open: one line with the file, the damaged byte range, the offsets
    /// it may have held and where valid data resumes.
    static func damageFollowedByValidData(_ segment: Segment, range: Range<Int>, firstAffected: Int64, next: RecordBatchHeader,
                                          reason: String) -> EventLogError {
        let offsets = next.baseOffset > firstAffected ? "offsets \(firstAffected)...\(next.baseOffset - 1)" : "no offsets lost"
        return EventLogError(.corruptBatch,
                             "damaged bytes \(range.lowerBound)..<\(range.upperBound) (\(reason); \(offsets)) are followed by valid batches from offset \(next.baseOffset): not a torn tail, so nothing was truncated; run `rewind repair` to move the damaged bytes aside, or open read-only",
                             path: segment.logPath, position: Int64(range.lowerBound))
    }

    static func rewriteIndexes(of segment: Segment, _ index: SegmentIndex) throws {
        let bytes = index.fileBytes
        try SystemFile(path: segment.indexPath, mode: .createOrTruncate).write(bytes.offsets, at: 0)
        try SystemFile(path: segment.timeIndexPath, mode: .createOrTruncate).write(bytes.times, at: 0)
    }
}
