// Sparse offset and time indexes of one segment, in Kafka's file formats (big-endian):
//
//   NNN.index      8-byte entries: relativeOffset int32 | position int32
//                  relativeOffset = the indexed batch's last offset − segment base offset,
//                  position = byte position of that batch in NNN.log.
//   NNN.timeindex  12-byte entries: timestamp int64 | relativeOffset int32
//                  timestamp = the largest timestamp in the segment so far, relativeOffset = the last
//                  offset of the batch in which that maximum was first reached, so entries are
//                  monotonic even when record timestamps are not.
//
// Entries are placed exactly as Kafka's `LogSegment.append` places them, so a broker's lookup over
// our files gives the same answers as over its own (byte-identical files for the same batches):
// - an offset entry (the batch's last offset, its position) is added before a batch once more than
//   `Limits.indexIntervalBytes` have been appended since the previous entry (Kafka's
//   `index.interval.bytes`), so a lookup scans at most about one page of batches; the first batch
//   of a segment is never indexed (position 0 is implied);
// - at the same moment a time entry (running maximum, its offset) is added if the maximum grew
//   since the last time entry (`TimeIndex.maybeAppend`);
// - when the segment rolls or the log closes, one final time entry for the running maximum, if it
//   grew since the last one (`onBecomeInactiveSegment`, `close`).
//
// Kafka's timestamp lookup, which these entries must serve: the time entry with the largest
// timestamp ≤ T, then the offset entry at or before its offset, then a forward scan for the first
// record with timestamp ≥ T. Pointing a time entry at the batch that *reached* the maximum (not at
// the batch at the index point) is what keeps that scan from starting past an earlier record ≥ T.
//
// Indexes are hints, never the truth: the `.log` is. An index is used as long as its entries are
// strictly increasing, point inside the log, and its last entry lands on a batch boundary with the
// offset it claims; otherwise (missing, stale after a crash, zero-padded by a broker that
// preallocated it) it is rebuilt from batch headers — on disk for a writable log, in memory only for
// a read-only one. Entries after a loaded prefix are added by scanning the batches that follow it.

public struct OffsetIndexEntry: Hashable, Sendable {
    public var relativeOffset: UInt32
    public var position: UInt32
    public static let size = 8
}

public struct TimeIndexEntry: Hashable, Sendable {
    public var timestamp: Int64
    public var relativeOffset: UInt32
    public static let size = 12
}

/// The in-memory form of a segment's two indexes.
public struct SegmentIndex: Sendable, Equatable {
    public var offsets: [OffsetIndexEntry] = []
    public var times: [TimeIndexEntry] = []

    public init() {}

    /// Byte position to start scanning for `relativeOffset`: the last entry at or before it, else 0.
    public func position(forRelativeOffset target: UInt32) -> Int {
        var low = 0
        var high = offsets.count
        while low < high {
            let middle = (low + high) / 2
            if offsets[middle].relativeOffset <= target { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 0 : Int(offsets[low - 1].position)
    }

    /// The first relative offset that can hold a timestamp ≥ `target`: every record up to the last
    /// entry with a smaller timestamp is older than `target`, so scanning starts just after it.
    public func firstCandidateRelativeOffset(forTimestamp target: Int64) -> UInt32? {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle].timestamp < target { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : times[low - 1].relativeOffset &+ 1
    }

    public var largestTimestamp: Int64? { times.last?.timestamp }

    // MARK: File encoding

    public static func encode(_ entry: OffsetIndexEntry) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: OffsetIndexEntry.size)
        bytes.withUnsafeMutableBytes { raw in
            var writer = ByteWriter(raw.baseAddress!)
            writer.writeBigEndian(entry.relativeOffset)
            writer.writeBigEndian(entry.position)
        }
        return bytes
    }

    public static func encode(_ entry: TimeIndexEntry) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: TimeIndexEntry.size)
        bytes.withUnsafeMutableBytes { raw in
            var writer = ByteWriter(raw.baseAddress!)
            writer.writeBigEndian(entry.timestamp)
            writer.writeBigEndian(entry.relativeOffset)
        }
        return bytes
    }

    /// The bytes of the `.index` and `.timeindex` files for this index.
    public var fileBytes: (offsets: [UInt8], times: [UInt8]) {
        var offsetBytes: [UInt8] = []
        offsetBytes.reserveCapacity(offsets.count * OffsetIndexEntry.size)
        for entry in offsets { offsetBytes += Self.encode(entry) }
        var timeBytes: [UInt8] = []
        timeBytes.reserveCapacity(times.count * TimeIndexEntry.size)
        for entry in times { timeBytes += Self.encode(entry) }
        return (offsetBytes, timeBytes)
    }

    /// The longest valid prefix of an `.index` file: strictly increasing offsets and positions below
    /// `logSize`. Stops at the first entry that breaks the rule (zero padding included).
    public static func decodeOffsets(_ bytes: [UInt8], logSize: Int) -> [OffsetIndexEntry] {
        var entries: [OffsetIndexEntry] = []
        entries.reserveCapacity(bytes.count / OffsetIndexEntry.size)
        bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            while cursor.remaining >= OffsetIndexEntry.size {
                guard let relative = try? cursor.readBigEndian(UInt32.self), let position = try? cursor.readBigEndian(UInt32.self) else { break }
                if let last = entries.last, relative <= last.relativeOffset || position <= last.position { break }
                if position == 0 || Int(position) >= logSize { break }
                entries.append(OffsetIndexEntry(relativeOffset: relative, position: position))
            }
        }
        return entries
    }

    /// The longest valid prefix of a `.timeindex` file: non-decreasing timestamps and offsets.
    public static func decodeTimes(_ bytes: [UInt8]) -> [TimeIndexEntry] {
        var entries: [TimeIndexEntry] = []
        entries.reserveCapacity(bytes.count / TimeIndexEntry.size)
        bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            while cursor.remaining >= TimeIndexEntry.size {
                guard let timestamp = try? cursor.readBigEndian(Int64.self), let relative = try? cursor.readBigEndian(UInt32.self) else { break }
                if timestamp == 0 && relative == 0 { break } // preallocated padding
                if let last = entries.last, timestamp < last.timestamp || relative < last.relativeOffset { break }
                entries.append(TimeIndexEntry(timestamp: timestamp, relativeOffset: relative))
            }
        }
        return entries
    }
}

/// Adds index entries as batches go by, for both appends and rebuilds, so the two agree byte for byte.
struct SegmentIndexBuilder {
    private(set) var index: SegmentIndex
    private var bytesSinceLastEntry = 0
    /// Kafka's `maxTimestampSoFar`: no timestamp (-1) until a batch carries one.
    private(set) var maxTimestamp: Int64 = Timestamp.none.milliseconds
    /// Kafka's `shallowOffsetOfMaxTimestampSoFar`: the last offset of the batch that first reached
    /// `maxTimestamp`, relative to the base offset.
    private var maxTimestampRelativeOffset: UInt32 = 0
    let baseOffset: Int64
    let intervalBytes: Int

    init(baseOffset: Int64, intervalBytes: Int = Limits.indexIntervalBytes, resuming index: SegmentIndex = SegmentIndex()) {
        self.baseOffset = baseOffset
        self.intervalBytes = intervalBytes
        self.index = index
        // As Kafka reloads it: the time index's last entry is the running maximum and its offset.
        if let last = index.times.last {
            maxTimestamp = last.timestamp
            maxTimestampRelativeOffset = last.relativeOffset
        }
    }

    /// Records a batch at `position`; returns the entries added, for appending to the files.
    @discardableResult
    mutating func add(position: Int, header: RecordBatchHeader) -> (OffsetIndexEntry?, TimeIndexEntry?) {
        var added: (OffsetIndexEntry?, TimeIndexEntry?) = (nil, nil)
        let relative = UInt32(clamping: header.lastOffset - baseOffset)
        if header.maxTimestamp > maxTimestamp {
            maxTimestamp = header.maxTimestamp
            maxTimestampRelativeOffset = relative
        }
        if bytesSinceLastEntry > intervalBytes, position > Int(index.offsets.last?.position ?? 0) {
            let entry = OffsetIndexEntry(relativeOffset: relative, position: UInt32(position))
            index.offsets.append(entry)
            added.0 = entry
            added.1 = appendTimeEntryIfGrown()
            bytesSinceLastEntry = 0
        }
        bytesSinceLastEntry += header.totalSize
        lastRelativeOffset = relative
        return added
    }

    private(set) var lastRelativeOffset: UInt32?

    /// Kafka appends a final time entry when a segment stops being active (roll or close), so a
    /// sealed segment's largest timestamp is the index's last entry.
    mutating func seal() -> TimeIndexEntry? {
        guard lastRelativeOffset != nil else { return nil }
        return appendTimeEntryIfGrown()
    }

    /// The index a segment's bytes give when every batch is added from the start, as a writer
    /// appending them would have built it; `sealed` adds the final entry of a rolled segment.
    static func rebuilt(from bytes: UnsafeRawBufferPointer, baseOffset: Int64, sealed: Bool) -> (index: SegmentIndex, end: BatchWalkEnd) {
        var builder = SegmentIndexBuilder(baseOffset: baseOffset)
        let end = walkBatches(bytes, from: 0) { batch in
            builder.add(position: batch.position, header: batch.header)
            return true
        }
        if sealed { _ = builder.seal() }
        return (builder.index, end)
    }

    /// `TimeIndex.maybeAppend`: only a larger timestamp than the last entry's (an empty index
    /// counts as holding no timestamp, -1).
    private mutating func appendTimeEntryIfGrown() -> TimeIndexEntry? {
        guard maxTimestamp > (index.times.last?.timestamp ?? Timestamp.none.milliseconds) else { return nil }
        let entry = TimeIndexEntry(timestamp: maxTimestamp, relativeOffset: maxTimestampRelativeOffset)
        index.times.append(entry)
        return entry
    }
}
