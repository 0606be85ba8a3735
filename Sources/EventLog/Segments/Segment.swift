/// One segment of a partition: `NNN.log` with its `.index` and `.timeindex`, named by the 20-digit
/// base offset. Readers share a Segment; only the partition's writer appends to it.
///
/// What a segment knows about itself (valid size, end offset, largest timestamp, index) is learned
/// lazily on first use by loading the index files and walking the batch headers the index does not
/// cover, so opening a log touches no segment data.
final class Segment: @unchecked Sendable {
    let baseOffset: Int64
    let directory: String
    /// Index files a writable log may rewrite; a read-only log keeps rebuilt indexes in memory.
    let persistsIndexes: Bool

    var logPath: String { Self.path(directory, baseOffset, "log") }
    var indexPath: String { Self.path(directory, baseOffset, "index") }
    var timeIndexPath: String { Self.path(directory, baseOffset, "timeindex") }
    var chainPath: String { Self.path(directory, baseOffset, "chain") }

    private let lock = ConditionLock()
    private var file: SystemFile?
    private var mapping: MappedFile?
    private var state: State?

    struct State {
        var builder: SegmentIndexBuilder
        /// End of the last complete batch: readers never look past it.
        var validBytes: Int
        /// One past the last offset; the base offset when empty.
        var endOffset: Int64
        /// Corruption the header walk met; reads that reach `problem.position` fail with it.
        var problem: EventLogError?
        /// Bytes after `validBytes` that do not (yet) form a whole batch.
        var incompleteTailBytes: Int
        /// Whether the loaded index had to be rebuilt or extended (reported by `verify`).
        var indexRepaired: Bool
    }

    init(directory: String, baseOffset: Int64, persistsIndexes: Bool) {
        self.directory = directory
        self.baseOffset = baseOffset
        self.persistsIndexes = persistsIndexes
    }

    static func path(_ directory: String, _ baseOffset: Int64, _ suffix: String) -> String {
        let digits = String(baseOffset)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "." + suffix
    }

    /// Parses `00000000000000000042.log` → 42.
    static func baseOffset(fromFileName name: String) -> Int64? {
        guard name.hasSuffix(".log") else { return nil }
        let stem = name.dropLast(4)
        guard stem.count == 20, stem.allSatisfy(\.isNumber) else { return nil }
        return Int64(stem)
    }

    // MARK: State

    func prepared() throws -> State {
        try lock.withLock {
            if let state { return state }
            let loaded = try load()
            state = loaded
            return loaded
        }
    }

    var endOffset: Int64 { get throws { try prepared().endOffset } }
    /// The end offset if the segment was loaded already (nil otherwise: loading reads it fresh).
    var knownEndOffset: Int64? { lock.withLock { state?.endOffset } }
    var validBytes: Int { get throws { try prepared().validBytes } }
    var index: SegmentIndex { get throws { try prepared().builder.index } }
    /// The largest timestamp in the segment, or nil when it holds no timestamped record.
    var largestTimestamp: Int64? {
        get throws {
            let value = try prepared().builder.maxTimestamp
            return value == Timestamp.none.milliseconds ? nil : value
        }
    }

    /// A map covering at least every complete batch. Remapped when the segment has grown.
    func bytes() throws -> MappedFile {
        let state = try prepared()
        return try lock.withLock {
            if let mapping, mapping.count >= state.validBytes { return mapping }
            let file = try openedFile()
            let fresh = try MappedFile(file: file, count: state.validBytes)
            mapping = fresh
            return fresh
        }
    }

    private func openedFile() throws -> SystemFile {
        if let file { return file }
        let opened = try SystemFile(path: logPath, mode: .readOnly)
        file = opened
        return opened
    }

    // MARK: Loading

    private func load() throws -> State {
        let file = try openedFile()
        let size = Int(try file.size())
        let map = try MappedFile(file: file, count: size)
        // With intact indexes the load reads a header or two near the end of the log (where the
        // index stops); with read-around each costs 8 MiB of a cold disk (72 MB for the 10M-event
        // log's first frame, with the first batches).
        map.adviseRandomAccess(true)
        defer { map.adviseRandomAccess(false) }
        var offsets = [OffsetIndexEntry]()
        var times = [TimeIndexEntry]()
        if let bytes = try? readIndexFile(indexPath, limit: size) { offsets = SegmentIndex.decodeOffsets(bytes, logSize: size) }
        if let bytes = try? readIndexFile(timeIndexPath, limit: size * 2) { times = SegmentIndex.decodeTimes(bytes) }
        var loaded = SegmentIndex()
        var resumeFrom = 0
        if let last = offsets.last, !times.isEmpty, entryMatchesBatch(last, in: map.bytes) {
            loaded.offsets = offsets
            loaded.times = times
            resumeFrom = Int(last.position)
        }
        // A rebuild walks every header of the log, which read-around serves far better.
        if resumeFrom == 0 { map.adviseRandomAccess(false) }
        var state = walk(map.bytes, from: resumeFrom, index: loaded)
        // A sealed segment's time index ends with the entry written at roll; an active one's lacks
        // it by design. Either form agrees with the log.
        let unsealed = state.builder.index
        _ = state.builder.seal()
        state.indexRepaired = unsealed.offsets != offsets || (unsealed.times != times && state.builder.index.times != times)
        if persistsIndexes && state.indexRepaired && state.problem == nil {
            try writeIndexes(state.builder.index)
        }
        mapping = map
        return state
    }

    private func readIndexFile(_ path: String, limit: Int) throws -> [UInt8] {
        let file = try SystemFile(path: path, mode: .readOnly)
        // A broker preallocates 10 MiB index files; entries past the log's size can't be real.
        let size = min(Int(try file.size()), max(limit, 0) + TimeIndexEntry.size)
        return try file.read(at: 0, count: size)
    }

    private func entryMatchesBatch(_ entry: OffsetIndexEntry, in bytes: UnsafeRawBufferPointer) -> Bool {
        let position = Int(entry.position)
        guard position + RecordBatchHeader.size <= bytes.count,
              let header = try? RecordBatchHeader(parsing: UnsafeRawBufferPointer(rebasing: bytes[position...])) else { return false }
        let target = baseOffset + Int64(entry.relativeOffset)
        return header.magic == 2 && header.baseOffset <= target && target <= header.lastOffset
    }

    /// Walks headers from `position`, extending `index`; the tail's state comes out of the walk.
    private func walk(_ bytes: UnsafeRawBufferPointer, from position: Int, index: SegmentIndex) -> State {
        var builder = SegmentIndexBuilder(baseOffset: baseOffset, resuming: index)
        var endOffset = baseOffset
        if let last = index.offsets.last { endOffset = baseOffset + Int64(last.relativeOffset) + 1 }
        let end = walkBatches(bytes, from: position) { batch in
            builder.add(position: batch.position, header: batch.header)
            endOffset = max(endOffset, batch.header.lastOffset + 1)
            return true
        }
        var state = State(builder: builder, validBytes: bytes.count, endOffset: endOffset, problem: nil,
                          incompleteTailBytes: 0, indexRepaired: false)
        switch end {
        case let .end(position), let .stopped(position):
            state.validBytes = position
        case let .incomplete(position):
            state.validBytes = position
            state.incompleteTailBytes = bytes.count - position
        case let .corrupt(position, reason):
            state.validBytes = position
            state.problem = EventLogError(.corruptBatch, reason, path: logPath, position: Int64(position))
        }
        return state
    }

    private func writeIndexes(_ index: SegmentIndex) throws {
        let bytes = index.fileBytes
        try FileSystem.writeAtomically(bytes.offsets, to: indexPath)
        try FileSystem.writeAtomically(bytes.times, to: timeIndexPath)
    }

    // MARK: Changes (writer, or a reader following another process)

    /// Installs the state a writer established by recovery (it scanned and truncated the file).
    func install(_ newState: State) {
        lock.withLock {
            state = newState
            mapping = nil
        }
    }

    /// Accounts for a batch the writer just wrote at `position`; returns index entries to persist.
    func recordAppend(position: Int, header: RecordBatchHeader) -> (OffsetIndexEntry?, TimeIndexEntry?) {
        lock.withLock {
            guard var current = state else { preconditionFailure("append to a segment that was never prepared") }
            let added = current.builder.add(position: position, header: header)
            current.validBytes = position + header.totalSize
            current.endOffset = header.lastOffset + 1
            state = current
            return added
        }
    }

    /// Appends the final time-index entry when the segment stops being active.
    func seal() -> TimeIndexEntry? {
        lock.withLock {
            guard var current = state else { return nil }
            let entry = current.builder.seal()
            state = current
            return entry
        }
    }

    /// Picks up batches another process appended since we last looked. Returns true if it grew.
    func refresh() throws -> Bool {
        let before = try prepared()
        let size = Int(try lock.withLock { try openedFile() }.size())
        guard size > before.validBytes else { return false }
        return try lock.withLock {
            let map = try MappedFile(file: try openedFile(), count: size)
            guard var current = state else { return false }
            var grown = walk(map.bytes, from: current.validBytes, index: current.builder.index)
            _ = grown.builder.seal()
            // `walk` restarts the builder's byte counter; keep the previously learned end if nothing new.
            grown.endOffset = max(grown.endOffset, current.endOffset)
            let changed = grown.validBytes > current.validBytes
            current = grown
            state = current
            mapping = map
            return changed
        }
    }

    func closeFiles() {
        lock.withLock {
            mapping = nil
            file?.close()
            file = nil
        }
    }
}
