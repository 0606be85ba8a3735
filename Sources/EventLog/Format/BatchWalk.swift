/// Where a walk over batch headers stopped.
enum BatchWalkEnd: Equatable {
    /// Every byte up to `position` (the end of the data) was whole batches.
    case end(position: Int)
    /// A batch starts at `position` but the data stops before it ends: a torn write after a crash,
    /// or a batch still being appended by another process.
    case incomplete(position: Int)
    /// The bytes at `position` can't be a batch.
    case corrupt(position: Int, reason: String)
    /// The body asked to stop before the batch at `position`.
    case stopped(position: Int)
}

/// The facts the header walk needs from either format: v2 batches and legacy (magic 0/1) messages.
struct WalkedBatch {
    var position: Int
    var header: RecordBatchHeader
    /// Magic 0/1 message sets: only offset, size and magic are meaningful in `header`.
    var isLegacy: Bool
}

/// Walks batch headers from `position` without checking CRCs: cheap enough to rebuild an index or
/// find the end of a segment (one header read per batch). Bounds every length by the bytes present.
func walkBatches(_ bytes: UnsafeRawBufferPointer, from position: Int, _ body: (WalkedBatch) -> Bool) -> BatchWalkEnd {
    var position = position
    while true {
        let remaining = bytes.count - position
        if remaining == 0 { return .end(position: position) }
        if remaining < 17 { return .incomplete(position: position) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position...])
        var cursor = ByteCursor(slice)
        let offset = (try? cursor.readBigEndian(Int64.self)) ?? 0
        let length = Int((try? cursor.readBigEndian(Int32.self)) ?? 0)
        let magic = Int8(bitPattern: slice[RecordBatchHeader.magicPosition])
        let total = RecordBatchHeader.lengthPrefixSize + length
        let minimum = magic >= 2 ? RecordBatchHeader.size : 26 // v0 message: crc, magic, attrs, key/value lengths
        guard length >= 0, total >= minimum, total <= Limits.batchBytesMax, magic >= 0, magic <= 2 else {
            if length == 0 && offset == 0 && allZero(slice) { return .incomplete(position: position) }
            return .corrupt(position: position, reason: "invalid batch header (length \(length), magic \(magic))")
        }
        if total > remaining { return .incomplete(position: position) }
        let walked: WalkedBatch
        if magic == 2 {
            guard let header = try? RecordBatchHeader(parsing: slice) else { return .incomplete(position: position) }
            guard header.lastOffsetDelta >= 0, header.recordCount >= 0 else {
                return .corrupt(position: position, reason: "invalid batch header (lastOffsetDelta \(header.lastOffsetDelta))")
            }
            walked = WalkedBatch(position: position, header: header, isLegacy: false)
        } else {
            // Legacy: the offset field is the (last) offset of the message or wrapper; v1 carries a timestamp at byte 18.
            var timestamp = Timestamp.none.milliseconds
            if magic == 1, remaining >= 26 {
                var timestampCursor = ByteCursor(slice, position: 18)
                timestamp = (try? timestampCursor.readBigEndian(Int64.self)) ?? timestamp
            }
            let header = RecordBatchHeader(
                baseOffset: offset, batchLength: Int32(length), partitionLeaderEpoch: -1, magic: magic, crc: 0,
                attributes: 0, lastOffsetDelta: 0, baseTimestamp: timestamp, maxTimestamp: timestamp,
                producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount: 1)
            walked = WalkedBatch(position: position, header: header, isLegacy: true)
        }
        if !body(walked) { return .stopped(position: position) }
        position += total
    }
}

/// A tail of zeros is what a crash leaves when the size grew before the data reached the disk.
private func allZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
    for byte in bytes where byte != 0 { return false }
    return true
}
