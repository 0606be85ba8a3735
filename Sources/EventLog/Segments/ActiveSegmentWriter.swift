/// The open files of a partition's active segment and the bytes not yet flushed to its indexes.
/// Index entries are buffered and written in groups: an index is a rebuildable hint, so losing the
/// buffered part in a crash costs a short header walk at the next open, never data.
final class ActiveSegmentWriter {
    let segment: Segment
    let log: SystemFile
    private let offsetIndex: SystemFile
    private let timeIndex: SystemFile
    private let chain: ChainWriter
    private(set) var position: Int
    private var offsetIndexSize: Int64
    private var timeIndexSize: Int64
    private var pendingOffsetEntries: [UInt8] = []
    private var pendingTimeEntries: [UInt8] = []

    /// Flush index entries once this many bytes are pending (about 512 entries).
    private static let pendingIndexBytesMax = 4096

    /// `chainEntries` and `chainValue` describe the `.chain` file as recovery left it: that many
    /// entries, the last ending at `chainValue`.
    init(segment: Segment, position: Int, chainEntries: Int, chainValue: ChainValue) throws {
        self.segment = segment
        self.position = position
        log = try SystemFile(path: segment.logPath, mode: .readWrite)
        offsetIndex = try SystemFile(path: segment.indexPath, mode: .readWrite)
        timeIndex = try SystemFile(path: segment.timeIndexPath, mode: .readWrite)
        chain = ChainWriter(file: try SystemFile(path: segment.chainPath, mode: .readWrite), entries: chainEntries, value: chainValue)
        offsetIndexSize = try offsetIndex.size()
        timeIndexSize = try timeIndex.size()
    }

    /// Writes one encoded batch at the end of the log. On failure the partial write is cut off so the
    /// file never holds a torn batch while the process lives.
    ///
    /// Once the batch is in the log, the writer's position and the segment's state move past it
    /// before anything else can fail: a chain or index write that fails afterwards makes the append
    /// report an error, but never lets the next batch overwrite this one (before, a failed chain
    /// write left the position behind, so the next append wrote over a batch whose offsets were
    /// already handed out). Recovery re-creates a missing chain entry or index entry from the log.
    func append(_ batch: UnsafeRawBufferPointer, header: RecordBatchHeader) throws {
        try chain.throwIfFailed()
        do {
            try log.write(batch, at: Int64(position))
        } catch {
            try? log.truncate(to: Int64(position))
            throw error
        }
        let (offsetEntry, timeEntry) = segment.recordAppend(position: position, header: header)
        let batchPosition = position
        position += batch.count
        if let offsetEntry { pendingOffsetEntries += SegmentIndex.encode(offsetEntry) }
        if let timeEntry { pendingTimeEntries += SegmentIndex.encode(timeEntry) }
        try chain.append(batch, lastOffset: header.lastOffset, position: batchPosition)
        if pendingOffsetEntries.count + pendingTimeEntries.count >= Self.pendingIndexBytesMax {
            try flushIndexes()
        }
    }

    func flushIndexes() throws {
        if !pendingOffsetEntries.isEmpty {
            try offsetIndex.write(pendingOffsetEntries, at: offsetIndexSize)
            offsetIndexSize += Int64(pendingOffsetEntries.count)
            pendingOffsetEntries.removeAll(keepingCapacity: true)
        }
        if !pendingTimeEntries.isEmpty {
            try timeIndex.write(pendingTimeEntries, at: timeIndexSize)
            timeIndexSize += Int64(pendingTimeEntries.count)
            pendingTimeEntries.removeAll(keepingCapacity: true)
        }
    }

    /// The chain value after the last batch appended (waits for the chain to catch up).
    var chainValue: ChainValue { get throws { try chain.drain() } }

    /// Called when the segment rolls or the log closes: the final time entry, flushed indexes and a
    /// synced log and chain, so a sealed segment is complete on disk before the next one exists.
    func seal() throws {
        if let entry = segment.seal() { pendingTimeEntries += SegmentIndex.encode(entry) }
        try flushIndexes()
        try log.syncData()
        try chain.sync()
    }

    /// Kafka's `LogSegment.close` appends the final time entry too, so a closed active segment's
    /// time index already ends at its largest timestamp, as a sealed one's does.
    func close() {
        if let entry = segment.seal() { pendingTimeEntries += SegmentIndex.encode(entry) }
        try? flushIndexes()
        log.close()
        offsetIndex.close()
        timeIndex.close()
        chain.close()
    }
}
