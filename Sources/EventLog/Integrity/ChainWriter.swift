import Dispatch

/// Appends the active segment's `.chain` entries on a queue of their own: SHA-256 of every batch
/// costs about what encoding it does (~1.4 GB/s here), so hashing on the appending thread nearly
/// halved batched appends (RewindBench: 8.1× SQLite without the chain, 4.5× with it inline, 7.1×
/// with this queue). The second core hashes while the appender encodes the next batch.
///
/// Entries are written in batch order; at most `pendingBytesMax` of batch copies wait, so a fast
/// appender slows to the hasher's pace instead of growing memory. The chain may lag its log by
/// those batches: readers count them as "not chained yet", and after a crash recovery hashes the
/// ones whose entries were lost (ChainRecovery). A write that fails is reported by the next append.
final class ChainWriter: @unchecked Sendable {
    private let file: SystemFile
    private let queue = DispatchQueue(label: "rewind.chain")
    private let room: DispatchSemaphore
    private var value: ChainValue
    private var size: Int64
    /// Entries hashed but not yet written (on the queue only).
    private var pending: [UInt8] = []
    private var flushScheduled = false
    /// Set on the queue by `close`: a flush scheduled earlier must not touch the closed descriptor.
    private var closed = false
    /// About 85 entries: a reader sees at most that many batches more "not chained yet".
    private static let pendingEntryBytesMax = 4096
    private var failure: Error?
    private let lock = ConditionLock()

    /// 64 MiB of batches in flight at most: a few hundred typical batches, one maximal one.
    static let pendingBytesMax = Limits.batchBytesMax

    init(file: SystemFile, entries: Int, value: ChainValue) {
        self.file = file
        self.value = value
        size = SegmentChain.fileSize(entries: entries)
        room = DispatchSemaphore(value: Self.pendingBytesMax / Self.slotBytes)
    }

    /// Budget unit of the semaphore: a batch takes one slot per started 64 KiB.
    private static let slotBytes = 64 << 10

    /// A chain write that failed earlier fails every append after it: the chain must not skip a batch.
    func throwIfFailed() throws {
        if let failure = lock.withLock({ failure }) { throw failure }
    }

    func append(_ batch: UnsafeRawBufferPointer, lastOffset: Int64, position: Int) throws {
        try throwIfFailed()
        let copy = [UInt8](batch)
        let slots = max(1, (batch.count + Self.slotBytes - 1) / Self.slotBytes)
        for _ in 0..<slots { room.wait() }
        queue.async { [self] in
            defer { for _ in 0..<slots { room.signal() } }
            guard lock.withLock({ failure }) == nil else { return }
            value = copy.withUnsafeBytes { value.next(over: $0) }
            SegmentChain.encode(ChainEntry(lastOffset: lastOffset, position: Int32(position), size: Int32(copy.count), value: value), into: &pending)
            // Written in groups, as index entries are: one pwrite per batch changed the file's size
            // — journalled metadata — under every fdatasync of the log (durable appends 0.78× → 0.6×).
            if pending.count >= Self.pendingEntryBytesMax {
                flushPending()
            } else if !flushScheduled {
                // A pause in appends still gets the entries written within 50 ms.
                flushScheduled = true
                queue.asyncAfter(deadline: .now() + .milliseconds(50)) { [self] in flushScheduled = false; flushPending() }
            }
        }
    }

    /// Waits for every entry queued so far to be written; returns the chain value after the last batch.
    func drain() throws -> ChainValue {
        queue.sync { flushPending() }
        if let failure = lock.withLock({ failure }) { throw failure }
        return value
    }

    /// On the queue.
    private func flushPending() {
        guard !closed, !pending.isEmpty, lock.withLock({ failure }) == nil else { return }
        do {
            try file.write(pending, at: size)
            size += Int64(pending.count)
            pending.removeAll(keepingCapacity: true)
        } catch {
            lock.withLock { failure = error }
        }
    }

    func sync() throws {
        _ = try drain()
        try file.syncData()
    }

    func close() {
        queue.sync {
            flushPending()
            closed = true
            file.close()
        }
    }
}
