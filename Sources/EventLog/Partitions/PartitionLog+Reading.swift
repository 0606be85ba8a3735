/// The batch a borrowed record came from.
public struct BatchContext {
    public let header: RecordBatchHeader
    /// Byte position of the batch in its segment file.
    public let position: Int
    public var info: BatchInfo { header.info(position: Int64(position)) }
}

extension PartitionLog {
    /// Calls `body` for each record with offset ≥ `start`, in offset order, until it returns false or
    /// the log ends. Records are borrowed from the mapped segments: no per-record allocation. Every
    /// batch read is CRC-checked; damage fails with the file and byte position.
    public func forEachRecord(from start: Offset, _ body: (RecordView, BatchContext) throws -> Bool) throws {
        let segments = segmentSnapshot()
        guard !segments.isEmpty else { return }
        var decoder = BatchDecoder(decompressor: decompressor)
        decoder.checked = checkedBatches
        var first = segments.lastIndex { $0.baseOffset <= start.rawValue } ?? 0
        while first < segments.count {
            let keepGoing = try scan(segments[first], from: start.rawValue, decoder: &decoder, body)
            if !keepGoing { return }
            first += 1
        }
    }

    /// Owned copies of up to `maxRecords` records from `start`.
    public func read(from start: Offset, maxRecords: Int) throws -> [Record] {
        var records: [Record] = []
        guard maxRecords > 0 else { return records }
        try forEachRecord(from: start) { record, batch in
            records.append(record.materialize(batch: batch.info))
            return records.count < maxRecords
        }
        return records
    }

    /// Scans one segment from the batch that holds `start`. Returns false when `body` stopped.
    private func scan(_ segment: Segment, from start: Int64, decoder: inout BatchDecoder,
                      _ body: (RecordView, BatchContext) throws -> Bool) throws -> Bool {
        let state = try segment.prepared()
        guard state.endOffset > start || state.problem != nil else { return true }
        let map = try segment.bytes()
        let bytes = UnsafeRawBufferPointer(rebasing: map.bytes[..<min(state.validBytes, map.count)])
        var position = start > segment.baseOffset
            ? state.builder.index.position(forRelativeOffset: UInt32(clamping: start - segment.baseOffset)) : 0
        if position > 0, !startsAtOrBefore(start, bytes: bytes, position: position) {
            position = 0 // the index disagrees with the log: trust the log
        }
        // Only the range this read touches is handed back: random reads (the explorer's windows,
        // seeks) would otherwise keep every batch they ever visited resident.
        var released = position
        defer { map.release(released..<position) }
        map.prefetch(position..<min(bytes.count, position + Self.firstReadBytes))
        while position < bytes.count {
            let header = try RecordBatchHeader(parsingPrefixAt: position, of: bytes, path: segment.logPath)
            let end = position + header.totalSize
            if header.magic == 2 && header.lastOffset < start {
                position = end
                continue
            }
            let batch = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
            let context = BatchContext(header: header, position: position)
            let completed = try decoder.forEachRecord(batch, path: segment.logPath, position: position, from: start) { record, _ in
                try body(record, context)
            }
            if !completed {
                position = end
                return false
            }
            position = end
            // Long scans: hand back pages already read so resident memory stays bounded.
            if position - released >= Self.releaseStrideBytes {
                map.release(released..<position)
                released = position
            }
        }
        if let problem = state.problem { throw problem }
        return true
    }

    /// What a read fetches where it starts: the batch under the explorer's cursor (Kafka's default
    /// `max.message.bytes` is 1 MiB) without the read-around of a first page fault (8 MiB here),
    /// which cost the 10M-event log's cold first frame 24 MB of reads. Longer reads continue with
    /// the kernel's readahead.
    static var firstReadBytes: Int { 1 << 20 }

    /// Pages a scan has passed are handed back every 16 MiB: resident memory per open stream stays
    /// near that, at one madvise per 16 MiB read.
    static var releaseStrideBytes: Int { 16 << 20 }

    func startsAtOrBefore(_ offset: Int64, bytes: UnsafeRawBufferPointer, position: Int) -> Bool {
        guard position + RecordBatchHeader.size <= bytes.count,
              let header = try? RecordBatchHeader(parsing: UnsafeRawBufferPointer(rebasing: bytes[position...])) else { return false }
        return header.magic == 2 && header.baseOffset <= offset
    }

    // MARK: Time

    /// The first offset whose record has a timestamp ≥ `timestamp` (Kafka's ListOffsets semantics,
    /// exact even when timestamps are out of order), or the end offset when there is none.
    ///
    /// Cost: the first segment whose largest timestamp reaches `timestamp`, a binary search of its
    /// time index, then a header walk of about one index interval and the decode of one batch.
    public func offset(forTimestamp timestamp: Timestamp) throws -> Offset {
        let target = timestamp.milliseconds
        var decoder = BatchDecoder(decompressor: decompressor)
        decoder.checked = checkedBatches
        for segment in segmentSnapshot() {
            guard let largest = try segment.largestTimestamp, largest >= target else { continue }
            let state = try segment.prepared()
            let index = state.builder.index
            let candidate = segment.baseOffset + Int64(index.firstCandidateRelativeOffset(forTimestamp: target) ?? 0)
            var position = candidate > segment.baseOffset
                ? index.position(forRelativeOffset: UInt32(clamping: candidate - segment.baseOffset)) : 0
            let map = try segment.bytes()
            let bytes = UnsafeRawBufferPointer(rebasing: map.bytes[..<min(state.validBytes, map.count)])
            if position > 0, !startsAtOrBefore(candidate, bytes: bytes, position: position) { position = 0 }
            while position < bytes.count {
                let header = try RecordBatchHeader(parsingPrefixAt: position, of: bytes, path: segment.logPath)
                let end = position + header.totalSize
                defer { position = end }
                // Magic 0 has no timestamps: such messages are decoded and never match a time.
                guard header.lastOffset >= candidate, header.maxTimestamp >= target || header.magic == 0 else { continue }
                var found: Int64?
                let batch = UnsafeRawBufferPointer(rebasing: bytes[position..<end])
                // An uncompressed batch is walked by record lengths and time deltas alone: a
                // 10,000-record batch was decoded record by record up to the time (an explorer scrub).
                if let (header, iterator) = try decoder.uncompressedRecords(batch, path: segment.logPath, position: position) {
                    var records = iterator
                    do {
                        try records.skipRecords { offset, time in time >= target && offset >= candidate }
                        if let record = try records.next() { return record.offset }
                    } catch let failure as DecodeFailure {
                        throw BatchDecoder.malformedRecords(failure, of: header, path: segment.logPath, position: position)
                    }
                    continue
                }
                _ = try decoder.forEachRecord(batch, path: segment.logPath, position: position) { record, _ in
                    if record.timestamp.milliseconds >= target && record.offset.rawValue >= candidate {
                        found = record.offset.rawValue
                        return false
                    }
                    return true
                }
                if let found { return Offset(found) }
            }
        }
        return try endOffset()
    }
}

extension RecordBatchHeader {
    /// The header of the batch at `position`, checked to lie inside `bytes` (which ends at the last
    /// whole batch, so a failure here is damage, not a torn tail).
    init(parsingPrefixAt position: Int, of bytes: UnsafeRawBufferPointer, path: String) throws {
        let remaining = bytes.count - position
        guard remaining >= RecordBatchHeader.lengthPrefixSize + 5 else {
            throw EventLogError(.corruptBatch, "batch header cut short", path: path, position: Int64(position))
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position...])
        let magic = Int8(bitPattern: slice[RecordBatchHeader.magicPosition])
        if magic < 2 {
            var cursor = ByteCursor(slice)
            let offset = (try? cursor.readBigEndian(Int64.self)) ?? 0
            let length = (try? cursor.readBigEndian(Int32.self)) ?? 0
            guard length >= 0, Int(length) + RecordBatchHeader.lengthPrefixSize <= remaining else {
                throw EventLogError(.corruptBatch, "message length \(length) exceeds the data", path: path, position: Int64(position))
            }
            // Magic 1 carries a timestamp at byte 18 (for a compressed wrapper, its inner messages' largest).
            var timestamp = Timestamp.none.milliseconds
            if magic == 1, remaining >= 26 {
                var timestampCursor = ByteCursor(slice, position: 18)
                timestamp = (try? timestampCursor.readBigEndian(Int64.self)) ?? timestamp
            }
            self.init(baseOffset: offset, batchLength: length, partitionLeaderEpoch: -1, magic: magic, crc: 0, attributes: 0,
                      lastOffsetDelta: 0, baseTimestamp: timestamp, maxTimestamp: timestamp, producerId: -1, producerEpoch: -1,
                      baseSequence: -1, recordCount: 1)
            return
        }
        guard remaining >= RecordBatchHeader.size, let header = try? RecordBatchHeader(parsing: slice),
              header.totalSize >= RecordBatchHeader.size, header.totalSize <= remaining else {
            throw EventLogError(.corruptBatch, "batch length exceeds the data", path: path, position: Int64(position))
        }
        self = header
    }
}
