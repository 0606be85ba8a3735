import Basics
import EventLog
import Foundation

/// A batch as a fold takes it: the records, what the projection prepared of the first of them
/// (the fold applies the others whole), and what keeps the records' bytes alive while the batch
/// is held.
struct PreparedBatch<Prepared> {
    var records: [RecordView]
    var prepared: [Prepared]
    var lastOffset: Int64
    var owner: AnyObject?
}

/// A partition's batches read, checked, decoded and prepared (`Projection.prepare`) on a thread of
/// its own, up to `depth` batches ahead of the fold that takes them: a one-shot rebuild then uses
/// both cores, the reading and parsing on one and the state updates on the other. A balances
/// rebuild spent ~27% of its time reading batches and checking CRCs and ~38% parsing values,
/// all of which needs no state.
///
/// Only for streams whose batches outlive the next call (`batchesOutliveNextCall`): the fold
/// reads a batch while the thread decodes the next ones. At the end of the log the thread stops
/// and the stream reads on the caller's thread from there, so appends are still picked up.
final class PreparingBatchStream<P: Projection> {
    private struct Item {
        var batch: PreparedBatch<P.Prepared>
        /// The source's position after the batch: where a fold that took it stands.
        var positionAfter: Offset
    }

    /// What the two threads share, under `lock`.
    private final class Pipe: @unchecked Sendable {
        let lock = ConditionLock()
        var items: [Item] = []
        var ended = false
        var failure: Error?
        var cancelled = false
        /// The share of each batch's records the thread prepares, in 1/1024ths; the fold prepares
        /// the rest as it applies them. Moved by who waits for whom (see `shareStep`).
        var preparedShare = PreparingBatchStream.shareWhole
    }

    /// Preparing every event on the thread made it the slower side: a balances fold waited for
    /// it (the thread's part, reading and parsing, was ~70% of the work). So the side that waits
    /// takes work from the other: a fold that finds no batch ready leaves a larger share of the
    /// next batches to itself, a thread that finds the queue full takes a larger share, until
    /// neither waits for long.
    static var shareWhole: Int { 1024 }
    static var shareStep: Int { 32 }

    private struct Handoff: @unchecked Sendable {
        let inner: any SourceBatchStream
        let pipe: Pipe
    }

    /// Batches decoded ahead: two keep the fold fed across a slow batch, more only hold memory.
    static var depth: Int { 2 }

    private let inner: any SourceBatchStream
    private let pipe = Pipe()
    /// After the thread ended: the source is read on the caller's thread.
    private var direct = false
    private(set) var position: Offset

    init(_ inner: any SourceBatchStream, partition: Int32, projection: P) {
        precondition(inner.batchesOutliveNextCall, "a pipelined stream needs batches that outlive the next call")
        self.inner = inner
        position = inner.position
        // The source moves to the thread: from here until the thread sets `ended`, no other
        // thread touches it.
        let handoff = Handoff(inner: inner, pipe: pipe)
        let thread = Thread {
            Self.produce(handoff.inner, partition: partition, projection: projection, into: handoff.pipe)
        }
        thread.name = "rewind-prepare-\(partition)"
        thread.start()
    }

    /// The thread stops at its next batch; what it holds is freed with the pipe.
    deinit {
        pipe.lock.withLock {
            pipe.cancelled = true
            pipe.lock.broadcast()
        }
    }

    /// The next batch, as `SourceBatchStream.nextBatch` gives it; nil at the current end.
    func nextBatch() throws -> PreparedBatch<P.Prepared>? {
        if direct {
            guard let batch = try inner.nextBatch() else { return nil }
            position = inner.position
            return PreparedBatch(records: batch.records, prepared: [], lastOffset: batch.lastOffset, owner: nil)
        }
        pipe.lock.lock()
        if pipe.items.isEmpty, !pipe.ended { pipe.preparedShare = max(0, pipe.preparedShare - Self.shareStep) }
        while pipe.items.isEmpty, !pipe.ended { pipe.lock.wait() }
        guard !pipe.items.isEmpty else {
            let failure = pipe.failure
            pipe.lock.unlock()
            // The thread is done with the source: it stopped right after setting `ended`.
            direct = true
            position = inner.position
            if let failure { throw failure }
            return try nextBatch()
        }
        let item = pipe.items.removeFirst()
        pipe.lock.broadcast()
        pipe.lock.unlock()
        position = item.positionAfter
        return item.batch
    }

    private static func produce(_ inner: any SourceBatchStream, partition: Int32, projection: P, into pipe: Pipe) {
        while true {
            pipe.lock.lock()
            if pipe.items.count >= depth { pipe.preparedShare = min(shareWhole, pipe.preparedShare + shareStep) }
            while pipe.items.count >= depth, !pipe.cancelled { pipe.lock.wait() }
            let cancelled = pipe.cancelled
            let share = pipe.preparedShare
            pipe.lock.unlock()
            if cancelled { return }
            let item: Item
            do {
                guard let batch = try inner.nextBatch() else {
                    pipe.lock.withLock {
                        pipe.ended = true
                        pipe.lock.broadcast()
                    }
                    return
                }
                let count = batch.records.count * share / shareWhole
                var prepared: [P.Prepared] = []
                prepared.reserveCapacity(count)
                for record in batch.records[..<count] { prepared.append(projection.prepare(EventView(partition: partition, record: record))) }
                item = Item(batch: PreparedBatch(records: batch.records, prepared: prepared, lastOffset: batch.lastOffset, owner: batch.owner),
                            positionAfter: inner.position)
            } catch {
                pipe.lock.withLock {
                    pipe.failure = error
                    pipe.ended = true
                    pipe.lock.broadcast()
                }
                return
            }
            pipe.lock.withLock {
                pipe.items.append(item)
                pipe.lock.broadcast()
            }
        }
    }
}
