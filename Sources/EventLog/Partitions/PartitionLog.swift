/// One partition: an ordered list of segments, the only writer's state, and the reads over them.
/// Thread-safe: one appender at a time (the lock), any number of concurrent readers (each works on
/// a snapshot of the segment list and on immutable memory maps).
public final class PartitionLog: @unchecked Sendable {
    public let topicPartition: TopicPartition
    public let directory: String
    public let isWritable: Bool
    let decompressor: BatchDecompressor
    /// Large batches this process's reads already CRC-checked (`CheckedBatches`).
    let checkedBatches = CheckedBatches()
    private(set) var config: TopicConfig

    /// Guards `segments`, `writer` and the group-commit counters; appends broadcast on it.
    let lock = ConditionLock()
    private var segments: [Segment]
    private var writer: ActiveSegmentWriter?
    private var encoder = RecordBatchEncoder()
    private var bytesWritten: Int64 = 0
    private var bytesSynced: Int64 = 0
    private var syncInProgress = false
    private var failed: EventLogError?
    public private(set) var repairs: [RepairNote] = []
    /// Aborted transactions as of an end offset (see AbortedTransactions); guarded by `lock`.
    var abortedCache: (endOffset: Int64, value: AbortedTransactions)?

    // MARK: Opening

    /// Opens (and for a writable log, recovers) the partition in `directory`.
    init(directory: String, topicPartition: TopicPartition, config: TopicConfig, writable: Bool,
         decompressor: BatchDecompressor, onlySegment: Int64? = nil) throws {
        self.directory = directory
        self.topicPartition = topicPartition
        self.config = config
        self.isWritable = writable
        self.decompressor = decompressor
        // A repair a crash interrupted is finished (or rolled back) before any segment is read.
        if writable { try RepairJournal.finish(in: directory) }
        let names = try FileSystem.listDirectory(directory)
        let baseOffsets = names.compactMap(Segment.baseOffset(fromFileName:)).filter { onlySegment == nil || $0 == onlySegment }.sorted()
        guard baseOffsets.count <= Limits.segmentsPerPartitionMax else {
            throw EventLogError(.invalidArgument, "more than \(Limits.segmentsPerPartitionMax) segments", path: directory)
        }
        segments = baseOffsets.map { Segment(directory: directory, baseOffset: $0, persistsIndexes: writable) }
        guard writable else {
            if segments.isEmpty {
                throw EventLogError(.notFound, "no segment files (*.log) in partition directory", path: directory)
            }
            return
        }
        if segments.isEmpty {
            segments = [try Self.createSegment(in: directory, baseOffset: 0, previousChain: .genesis)]
        }
        let active = segments[segments.count - 1]
        let before = segments.dropLast().last
        let recovered = try SegmentRecovery.recover(active, decompressor: decompressor) {
            // A lost `.chain` restarts from where the segment before ended (or the log's start).
            before.flatMap(ChainRecovery.lastValue(of:)) ?? .genesis
        }
        active.install(recovered.state)
        repairs = recovered.notes
        writer = try ActiveSegmentWriter(segment: active, position: recovered.state.validBytes,
                                         chainEntries: recovered.chain.entries, chainValue: recovered.chain.value)
    }

    static func createSegment(in directory: String, baseOffset: Int64, previousChain: ChainValue) throws -> Segment {
        let segment = Segment(directory: directory, baseOffset: baseOffset, persistsIndexes: true)
        // Crash points: any of these files may be missing after a crash; an empty .log with missing
        // indexes or chain reopens as an empty segment whose indexes are recreated by recovery, and
        // whose chain restarts from the previous segment's last value.
        _ = try SystemFile(path: segment.logPath, mode: .createNew)
        _ = try SystemFile(path: segment.indexPath, mode: .createOrTruncate)
        _ = try SystemFile(path: segment.timeIndexPath, mode: .createOrTruncate)
        try SystemFile(path: segment.chainPath, mode: .createOrTruncate)
            .write(SegmentChain.encode(ChainHeader(baseOffset: baseOffset, previous: previousChain)), at: 0)
        try FileSystem.syncDirectory(directory)
        segment.install(Segment.State(builder: SegmentIndexBuilder(baseOffset: baseOffset), validBytes: 0, endOffset: baseOffset,
                                      problem: nil, incompleteTailBytes: 0, indexRepaired: false))
        return segment
    }

    /// `topics alter`: later retention and compaction runs use the new settings.
    func replaceConfig(_ new: TopicConfig) { lock.withLock { config = new } }

    func close() {
        lock.withLock {
            writer?.close()
            writer = nil
            for segment in segments { segment.closeFiles() }
        }
    }

    // MARK: Positions

    func segmentSnapshot() -> [Segment] { lock.withLock { segments } }

    /// The first offset still in the log.
    public var startOffset: Offset { Offset(segmentSnapshot().first?.baseOffset ?? 0) }

    /// One past the last offset: where the next append goes.
    public func endOffset() throws -> Offset {
        guard let last = segmentSnapshot().last else { return .zero }
        return Offset(try last.endOffset)
    }

    /// Bytes of whole batches across all segments.
    public func sizeInBytes() throws -> Int64 {
        try segmentSnapshot().reduce(0) { $0 + Int64(try $1.validBytes) }
    }

    public var segmentCount: Int { segmentSnapshot().count }

    // MARK: Appending

    public struct AppendResult: Hashable, Sendable {
        public var topicPartition: TopicPartition
        public var firstOffset: Offset
        public var lastOffset: Offset
    }

    /// Appends `records` as one batch. With `durable`, returns only after the batch is on disk;
    /// concurrent durable appends share one fdatasync (group commit).
    @discardableResult
    public func append(_ records: [ProducerRecord], durable: Bool = false) throws -> AppendResult {
        try append(records, offsets: nil, durable: durable)
    }

    /// Appends with the offsets given (strictly increasing, the first at or past the end offset):
    /// imports keep a captured partition's offsets, gaps included.
    @discardableResult
    public func append(_ records: [ProducerRecord], offsets: [Int64]?, durable: Bool = false) throws -> AppendResult {
        guard !records.isEmpty else { throw EventLogError(.invalidArgument, "append of an empty batch") }
        lock.lock()
        defer { lock.unlock() }
        let active = try activeWriterLocked()
        var baseOffset = Offset(try active.segment.endOffset)
        var deltas: [Int64]?
        if let offsets {
            guard offsets.count == records.count, let first = offsets.first, first >= baseOffset.rawValue,
                  zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }), offsets.last! - first <= Int64(Int32.max) else {
                throw EventLogError(.invalidArgument, "offsets must increase and start at or after \(baseOffset) in \(topicPartition)")
            }
            baseOffset = Offset(first)
            deltas = offsets.map { $0 - first }
        }
        let header = encoder.encode(records, baseOffset: baseOffset, offsetDeltas: deltas)
        try encoder.buffer.withUnsafeBytes { try write($0, header: header, to: active, durable: durable) }
        return AppendResult(topicPartition: topicPartition, firstOffset: baseOffset, lastOffset: Offset(header.lastOffset))
    }

    /// The writable state under the lock: the active writer, or why appends are refused. Lock held.
    func activeWriterLocked() throws -> ActiveSegmentWriter {
        if let failed { throw failed }
        guard let active = writer else {
            throw EventLogError(.readOnly, "log is open read-only; reopen with write access to append", path: directory)
        }
        return active
    }

    /// Writes one complete batch at the end of the log, rolling first when it would overflow the
    /// segment, wakes followers, and with `durable` waits for the group commit. Lock held.
    func write(_ batch: UnsafeRawBufferPointer, header: RecordBatchHeader, to active: ActiveSegmentWriter, durable: Bool) throws {
        let size = batch.count
        guard size <= Limits.batchBytesMax else {
            throw EventLogError(.invalidArgument, "batch of \(size) bytes exceeds the \(Limits.batchBytesMax)-byte limit")
        }
        var target = active
        if active.position > 0 && active.position + size > config.segmentBytes {
            // The new segment starts where the old one ended, even before a gap in explicit
            // offsets: segments of our logs are contiguous, so `verify` can call a gap damage.
            target = try roll(from: active, at: Offset(try active.segment.endOffset))
        }
        try target.append(batch, header: header)
        bytesWritten += Int64(size)
        lock.broadcast()
        if durable { try waitUntilDurable(bytesWritten) }
    }

    /// Seals the active segment and starts a new one at `baseOffset`. Lock held.
    private func roll(from active: ActiveSegmentWriter, at baseOffset: Offset) throws -> ActiveSegmentWriter {
        try active.seal()
        bytesSynced = bytesWritten // seal synced everything written so far
        let chainValue = try active.chainValue
        let segment = try Self.createSegment(in: directory, baseOffset: baseOffset.rawValue, previousChain: chainValue)
        let next = try ActiveSegmentWriter(segment: segment, position: 0, chainEntries: 0, chainValue: chainValue)
        active.close()
        segments.append(segment)
        writer = next
        return next
    }

    /// Group commit. Lock held on entry and exit; released while syncing so other appenders can
    /// write their batches, which the next sync then covers too.
    private func waitUntilDurable(_ target: Int64) throws {
        while bytesSynced < target {
            if syncInProgress {
                lock.wait()
                continue
            }
            guard let file = writer?.log else { return }
            syncInProgress = true
            let goal = bytesWritten
            lock.unlock()
            let outcome = Result { try file.syncData() }
            lock.lock()
            syncInProgress = false
            lock.broadcast()
            switch outcome {
            case .success: bytesSynced = max(bytesSynced, goal)
            case let .failure(error):
                // After a failed fsync the page cache state is unknown (fsyncgate): stop accepting writes.
                failed = EventLogError(.io, "sync failed; the partition stops accepting appends", path: directory, cause: "\(error)")
                throw failed!
            }
        }
    }

    /// Makes everything appended so far durable, and its chain entries written.
    public func sync() throws {
        lock.lock()
        defer { lock.unlock() }
        try writer?.flushIndexes()
        _ = try writer?.chainValue
        try waitUntilDurable(bytesWritten)
    }

    // MARK: Following

    /// Blocks until the end offset passes `offset` or `timeoutMs` elapses; returns the end offset.
    /// Sees appends made through this process's writer at once, and another process's by polling.
    public func waitForRecords(after offset: Offset, timeoutMs: Int) throws -> Offset {
        if isWritable {
            return try lock.withLock {
                var end = Offset(try writer?.segment.endOffset ?? 0)
                if end <= offset { lock.wait(timeoutMs: timeoutMs); end = Offset(try writer?.segment.endOffset ?? 0) }
                return end
            }
        }
        _ = try refresh()
        return try endOffset()
    }

    /// Re-reads the directory: new segments and growth of the last one (another process is writing).
    @discardableResult
    public func refresh() throws -> Bool {
        guard !isWritable else { return false }
        let names = try FileSystem.listDirectory(directory)
        let baseOffsets = names.compactMap(Segment.baseOffset(fromFileName:)).sorted()
        return try lock.withLock {
            var changed = false
            let known = Set(segments.map(\.baseOffset))
            for base in baseOffsets where !known.contains(base) && base > (segments.last?.baseOffset ?? -1) {
                segments.append(Segment(directory: directory, baseOffset: base, persistsIndexes: false))
                changed = true
            }
            let present = Set(baseOffsets)
            let before = segments.count
            segments.removeAll { !present.contains($0.baseOffset) } // deleted by retention
            changed = changed || segments.count != before
            // Any segment read while it was still active may have grown since, even several rolls
            // back if the writer rolled more than once between two polls: one that ends before the
            // next begins is looked at again (a stat when nothing changed).
            for (index, segment) in segments.enumerated() {
                let next = index + 1 < segments.count ? segments[index + 1].baseOffset : nil
                guard let known = segment.knownEndOffset, next.map({ known < $0 }) ?? true else { continue }
                if try segment.refresh() { changed = true }
            }
            return changed
        }
    }

    // MARK: Retention

    /// Deletes whole segments, oldest first, whose largest timestamp is older than `now − retention`.
    /// The active segment goes too when it is expired and non-empty: the log rolls first, so the
    /// log-start offset becomes the end offset. Returns the segments removed.
    public func enforceRetention(now: Timestamp) throws -> [String] {
        // A `compact`-only topic keeps its segments however old (Kafka ignores retention.ms then).
        guard config.retentionMs > 0, config.policy.deletes else { return [] }
        let cutoff = now.milliseconds &- config.retentionMs
        lock.lock()
        defer { lock.unlock() }
        guard let active = writer else { throw EventLogError(.readOnly, "retention needs write access", path: directory) }
        var removed: [String] = []
        while let oldest = segments.first {
            guard let newest = try oldest.largestTimestamp, newest < cutoff else { break }
            if oldest === active.segment {
                let end = Offset(try oldest.endOffset)
                guard end.rawValue > oldest.baseOffset else { break }
                writer = try roll(from: active, at: end)
            }
            try delete(oldest)
            segments.removeFirst()
            removed.append(oldest.logPath)
        }
        if !removed.isEmpty { try FileSystem.syncDirectory(directory) }
        return removed
    }

    /// Crash points: the `.log` goes first, so a crash leaves at worst orphan index and chain files,
    /// which name no segment and are ignored. The next segment's chain header holds the value this
    /// one ended at, so the chain stays verifiable from the new start.
    private func delete(_ segment: Segment) throws {
        segment.closeFiles()
        try FileSystem.remove(segment.logPath)
        try FileSystem.remove(segment.indexPath)
        try FileSystem.remove(segment.timeIndexPath)
        if FileSystem.exists(segment.chainPath) { try FileSystem.remove(segment.chainPath) }
    }
}
