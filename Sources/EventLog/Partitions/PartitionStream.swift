/// Reads a partition one batch at a time, handing out borrowed records that stay valid until the
/// next call to `nextBatch`: the stream keeps the segment's memory map (or its decompression buffer)
/// alive. Folds merge several of these without copying a record (see Projections' TopicStream).
public final class PartitionStream {
    public let partition: PartitionLog
    /// The next offset to read.
    public private(set) var position: Offset
    private var decoder: BatchDecoder
    private var segments: [Segment] = []
    private var segmentIndex = 0
    private var map: MappedFile?
    private var bytePosition = 0
    private var validBytes = 0
    private var released = 0
    private var records: [RecordView] = []
    /// The uncompressed batch being handed out a chunk at a time.
    private var pending: (iterator: RecordIterator, context: BatchContext)?
    /// Records of an uncompressed batch decoded per call: `recordsPerChunk` first, doubling per
    /// chunk up to `recordsPerChunkMax`. Batches of captured logs hold up to thousands of records
    /// (the generator's: ~3,700, 440 KB); decoding one whole cost a view restored mid-batch ~0.6 ms
    /// per partition before its first event, in a 5 ms key press. A long fold soon takes whole
    /// batches again (small chunks throughout cost a 10M-event rebuild ~5%).
    static let recordsPerChunk = 512
    static let recordsPerChunkMax = 8192
    private var chunkLimit = PartitionStream.recordsPerChunk
    /// Whether the last batch's records lie in the decoder's decompression buffer.
    private var lastBatchDecompressed = false

    /// What keeps the last batch's records valid past the next call, for as long as it is held:
    /// the segment's map, or for a compressed batch its decompressed bytes. Made on request only:
    /// held, it makes the next decompression write into a new buffer.
    public var owner: AnyObject? { lastBatchDecompressed ? decoder.retainScratch() : map }

    public init(partition: PartitionLog, from position: Offset) {
        self.partition = partition
        self.position = position
        self.decoder = BatchDecoder(decompressor: partition.decompressor)
        decoder.checked = partition.checkedBatches
    }

    /// A stream dropped mid-segment (a view rewinding) hands back what it still holds resident.
    deinit { map?.release(released..<bytePosition) }

    /// The next records at or after `position`: a compressed batch's all at once, an uncompressed
    /// one's in chunks (see `recordsPerChunk`); `lastOffset` is the batch's last offset with its last
    /// chunk, else the chunk's last record's (control batches come with `isControl` set). Returns nil
    /// at the current end of the log; call again later to pick up appends.
    public func nextBatch() throws -> (records: [RecordView], context: BatchContext, lastOffset: Int64)? {
        while true {
            if pending != nil {
                if let chunk = try nextChunk() { return chunk }
                continue
            }
            if map == nil || bytePosition >= validBytes {
                guard try openNextSegmentIfNeeded() else { return nil }
                continue
            }
            guard let map else { return nil }
            let bytes = UnsafeRawBufferPointer(rebasing: map.bytes[..<validBytes])
            let header = try RecordBatchHeader(parsingPrefixAt: bytePosition, of: bytes, path: map.path)
            let start = bytePosition
            let end = start + header.totalSize
            bytePosition = end
            if end - released >= PartitionLog.releaseStrideBytes {
                map.release(released..<start)
                released = start
            }
            if header.magic == 2 && header.lastOffset < position.rawValue { continue }
            let batch = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if let (validated, iterator) = try decoder.uncompressedRecords(batch, path: map.path, position: start) {
                pending = (iterator, BatchContext(header: validated, position: start))
                lastBatchDecompressed = false
                continue
            }
            // Decoded into a local array: appending to the stored property cost a dynamic
            // exclusivity check per record (~5% of a balances fold with
            // its runtime calls, perf). Its buffer is reused
            // when the caller let go of the previous batch (TopicStream does).
            var decoded: [RecordView] = []
            swap(&decoded, &records)
            decoded.removeAll(keepingCapacity: true)
            let from = position.rawValue
            defer { records = decoded }
            _ = try decoder.forEachRecord(batch, path: map.path, position: start) { record, _ in
                if record.offset.rawValue >= from { decoded.append(record) }
                return true
            }
            position = Offset(max(position.rawValue, header.lastOffset + 1))
            if decoded.isEmpty { continue }
            lastBatchDecompressed = decoder.lastBatchDecompressed
            return (decoded, BatchContext(header: header, position: start), header.lastOffset)
        }
    }

    /// Up to `chunkLimit` records of the pending batch; nil when it had none left at or after
    /// `position` (the stream then moves past the batch).
    private func nextChunk() throws -> (records: [RecordView], context: BatchContext, lastOffset: Int64)? {
        guard var (iterator, context) = pending else { return nil }
        var decoded: [RecordView] = []
        swap(&decoded, &records)
        decoded.removeAll(keepingCapacity: true)
        defer { records = decoded }
        let header = context.header
        var finished = false
        do {
            try iterator.skipRecords(before: position.rawValue)
            while decoded.count < chunkLimit {
                guard let record = try iterator.next() else {
                    finished = true
                    break
                }
                decoded.append(record)
            }
        } catch {
            pending = nil
            throw BatchDecoder.malformedRecords(error, of: header, path: map?.path ?? "", position: context.position)
        }
        if finished {
            pending = nil
            position = Offset(max(position.rawValue, header.lastOffset + 1))
            return decoded.isEmpty ? nil : (decoded, context, header.lastOffset)
        }
        pending = (iterator, context)
        chunkLimit = min(chunkLimit * 2, Self.recordsPerChunkMax)
        let last = decoded[decoded.count - 1].offset.rawValue
        position = Offset(max(position.rawValue, last + 1))
        return (decoded, context, last)
    }

    /// Moves to the segment holding `position`, or past the current one; false at the end of data.
    private func openNextSegmentIfNeeded() throws -> Bool {
        if map == nil {
            segments = partition.segmentSnapshot()
            guard !segments.isEmpty else { return false }
            segmentIndex = segments.lastIndex { $0.baseOffset <= position.rawValue } ?? 0
            try load(segments[segmentIndex], seekingTo: position.rawValue)
            return try bytePosition < validBytes || advance()
        }
        // At the end of the mapped bytes: the segment may have grown, or a later one may exist.
        let segment = segments[segmentIndex]
        if partition.isWritable == false { _ = try? segment.refresh() }
        let state = try segment.prepared()
        if state.validBytes > validBytes {
            map = try segment.bytes()
            validBytes = min(state.validBytes, map!.count)
            return true
        }
        if let problem = state.problem, bytePosition >= state.validBytes { throw problem }
        return try advance()
    }

    private func advance() throws -> Bool {
        let latest = partition.segmentSnapshot()
        guard let next = latest.firstIndex(where: { $0.baseOffset > segments[segmentIndex].baseOffset }) else { return false }
        segments = latest
        segmentIndex = next
        try load(segments[segmentIndex], seekingTo: position.rawValue)
        return true
    }

    private func load(_ segment: Segment, seekingTo offset: Int64) throws {
        map?.release(released..<bytePosition)
        let state = try segment.prepared()
        let mapped = try segment.bytes()
        map = mapped
        validBytes = min(state.validBytes, mapped.count)
        bytePosition = offset > segment.baseOffset
            ? state.builder.index.position(forRelativeOffset: UInt32(clamping: offset - segment.baseOffset)) : 0
        if bytePosition > 0 {
            let bytes = UnsafeRawBufferPointer(rebasing: mapped.bytes[..<validBytes])
            if let header = try? RecordBatchHeader(parsingPrefixAt: bytePosition, of: bytes, path: mapped.path), header.baseOffset > offset {
                bytePosition = 0 // stale index: trust the log
            }
        }
        released = bytePosition
    }
}
