// Finding the next valid batch after damage, so that nothing valid is ever taken for a torn tail.
//
// A batch found this way is valid under the same rule as everywhere else (RecordBatch.validate):
// its length fits the bytes present and `Limits.batchBytesMax`, its magic is 2 and its CRC-32C
// holds. A CRC-32C over random bytes matches with probability 2^-32, and a candidate must first have
// magic 2 and a length that fits, so a false find in damaged bytes is negligible; the cost of a
// miss (cutting valid data) is what this exists to prevent.
//
// Where a segment's `.chain` survives, its entries name every batch's position and size: those
// positions are tried first (a handful of CRC checks instead of a byte-by-byte scan). The scan then
// covers what the chain does not (batches appended after its last entry, or no chain at all).
enum BatchResync {
    /// A valid batch after damage: where it starts and its header.
    struct Found {
        var position: Int
        var header: RecordBatchHeader
    }

    /// The first position after `damageStart` where a valid v2 batch begins, or nil when none does
    /// within `Limits.resyncScanBytesMax`. `chainPositions` are hints (checked, never trusted).
    static func nextValidBatch(in bytes: UnsafeRawBufferPointer, after damageStart: Int, chainPositions: [Int] = []) -> Found? {
        var best: Found?
        for position in chainPositions where position > damageStart {
            if let header = validBatch(in: bytes, at: position) {
                best = Found(position: position, header: header)
                break
            }
        }
        let scanEnd = min(bytes.count - RecordBatchHeader.size, damageStart + Limits.resyncScanBytesMax, (best?.position ?? Int.max) - 1)
        guard scanEnd > damageStart, let base = bytes.baseAddress else { return best }
        var position = damageStart + 1
        while position <= scanEnd {
            // The magic byte first: one load rejects 255 of 256 positions in random damage.
            if base.load(fromByteOffset: position + RecordBatchHeader.magicPosition, as: UInt8.self) == 2,
               let header = validBatch(in: bytes, at: position) {
                return Found(position: position, header: header)
            }
            position += 1
        }
        return best
    }

    /// The header of the valid batch at `position`, or nil.
    static func validBatch(in bytes: UnsafeRawBufferPointer, at position: Int) -> RecordBatchHeader? {
        guard position >= 0, position + RecordBatchHeader.size <= bytes.count,
              let header = try? RecordBatchHeader(parsing: UnsafeRawBufferPointer(rebasing: bytes[position...])),
              header.magic == 2, header.totalSize >= RecordBatchHeader.size, header.totalSize <= Limits.batchBytesMax,
              position + header.totalSize <= bytes.count else { return nil }
        return try? RecordBatch.validate(UnsafeRawBufferPointer(rebasing: bytes[position..<(position + header.totalSize)]))
    }

    /// Batch positions a segment's `.chain` records, in order; empty when it has none.
    static func chainPositions(of segment: Segment, logBytes: Int) -> [Int] {
        guard FileSystem.exists(segment.chainPath),
              let found = try? ChainRecovery.readPrefix(segment.chainPath, limit: ChainRecovery.chainBytesMax(logBytes: logBytes)),
              let (_, entries) = SegmentChain.decode(found, baseOffset: segment.baseOffset) else { return [] }
        return entries.map { Int($0.position) }
    }
}
