/// Brings the active segment's `.chain` in line with its recovered `.log` on a writable open (crash
/// points: SegmentChain.swift). Entries naming the batches found, in order, are kept as they are —
/// their values are `verify`'s to check, never recovery's to recompute. Entries past the end of the
/// valid log (a torn tail) are dropped; batches without an entry are hashed and get one. An entry
/// that names a different batch *inside* the valid log is damage or an edit: the open fails rather
/// than rewrite the evidence.
enum ChainRecovery {
    struct Outcome {
        var entries: Int
        var value: ChainValue
        var notes: [RepairNote]
    }

    /// `log` is the segment's valid prefix; `previous` gives the chain value the segment starts
    /// from when its `.chain` is missing or unreadable.
    static func recover(_ segment: Segment, log: UnsafeRawBufferPointer, previous: () -> ChainValue) throws -> Outcome {
        let path = segment.chainPath
        let found = FileSystem.exists(path) ? try readPrefix(path, limit: chainBytesMax(logBytes: log.count)) : nil
        var notes: [RepairNote] = []
        var header: ChainHeader
        var entries: [ChainEntry]
        if let found, let decoded = SegmentChain.decode(found, baseOffset: segment.baseOffset) {
            (header, entries) = decoded
        } else {
            header = ChainHeader(baseOffset: segment.baseOffset, previous: previous())
            entries = []
            if !log.isEmpty || found != nil {
                notes.append(RepairNote(path: path, truncatedAt: nil, bytesRemoved: 0,
                                        reason: found == nil ? "hash chain file missing: chained from the log" : "hash chain header unreadable: chained from the log"))
            }
        }
        var value = header.previous
        var kept = 0
        var added: [UInt8] = []
        var mismatch: (entry: Int, position: Int)?
        _ = walkBatches(log, from: 0) { batch in
            let size = batch.header.totalSize
            if added.isEmpty, kept < entries.count {
                let entry = entries[kept]
                if Int(entry.position) == batch.position, Int(entry.size) == size, entry.lastOffset == batch.header.lastOffset {
                    value = entry.value
                    kept += 1
                    return true
                }
                if Int(entry.position) < log.count {
                    mismatch = (kept, batch.position)
                    return false
                }
            }
            value = value.next(over: UnsafeRawBufferPointer(rebasing: log[batch.position..<(batch.position + size)]))
            SegmentChain.encode(ChainEntry(lastOffset: batch.header.lastOffset, position: Int32(batch.position), size: Int32(size), value: value), into: &added)
            return true
        }
        if let mismatch {
            throw EventLogError(.corruptBatch, "hash chain entry \(mismatch.entry) does not name the batch at byte \(mismatch.position) of the log (edited or damaged); refusing to extend it — run `rewind verify`",
                                path: path, position: SegmentChain.fileSize(entries: mismatch.entry))
        }
        let dropped = entries.count - kept
        if dropped > 0 {
            notes.append(RepairNote(path: path, truncatedAt: SegmentChain.fileSize(entries: kept), bytesRemoved: Int64(dropped * ChainEntry.size),
                                    reason: "hash chain entries for batches a torn tail lost"))
        }
        let total = kept + added.count / ChainEntry.size
        if found != nil, entries.count == kept, !added.isEmpty {
            notes.append(RepairNote(path: path, truncatedAt: nil, bytesRemoved: 0,
                                    reason: "hash chain extended over \(added.count / ChainEntry.size) batches whose entries a crash lost"))
        } else if let found, Int64(found.count) > SegmentChain.fileSize(entries: entries.count) {
            notes.append(RepairNote(path: path, truncatedAt: SegmentChain.fileSize(entries: entries.count),
                                    bytesRemoved: Int64(found.count) - SegmentChain.fileSize(entries: entries.count), reason: "bytes after the chain's last whole entry"))
        }
        if found == nil || dropped > 0 || !added.isEmpty || Int64(found!.count) != SegmentChain.fileSize(entries: total) {
            var bytes = SegmentChain.encode(header)
            for entry in entries.prefix(kept) { SegmentChain.encode(entry, into: &bytes) }
            bytes += added
            try FileSystem.writeAtomically(bytes, to: path)
        }
        return Outcome(entries: total, value: value, notes: notes)
    }

    /// The value a segment's chain ends at, read from its header and last entry alone (a sealed
    /// segment's chain was synced before the next segment existed); nil when unreadable.
    static func lastValue(of segment: Segment) -> ChainValue? {
        guard let file = try? SystemFile(path: segment.chainPath, mode: .readOnly), let size = try? file.size() else { return nil }
        defer { file.close() }
        guard let head = try? file.read(at: 0, count: ChainHeader.size),
              let (header, _) = SegmentChain.decode(head, baseOffset: segment.baseOffset) else { return nil }
        let entries = (size - Int64(ChainHeader.size)) / Int64(ChainEntry.size)
        guard entries > 0 else { return header.previous }
        guard let tail = try? file.read(at: SegmentChain.fileSize(entries: Int(entries) - 1), count: ChainEntry.size),
              let (_, last) = SegmentChain.decode(head + tail, baseOffset: segment.baseOffset), let entry = last.first else { return nil }
        return entry.value
    }

    /// The file up to `limit` bytes: more can't be entries of this log (garbage appended is dropped).
    static func readPrefix(_ path: String, limit: Int) throws -> [UInt8] {
        let file = try SystemFile(path: path, mode: .readOnly)
        defer { file.close() }
        return try file.read(at: 0, count: Int(min(try file.size(), Int64(limit))))
    }

    /// A batch is at least 61 bytes, so a chain longer than this names batches the log can't hold.
    static func chainBytesMax(logBytes: Int) -> Int {
        Int(SegmentChain.fileSize(entries: logBytes / RecordBatchHeader.size + 1))
    }
}
