import EventLog

/// A hole in a partition's offsets that the fold noticed: events deleted by retention, removed by
/// compaction, or never written. Control records of transactions are not gaps.
public struct OffsetGap: Hashable, Sendable, Codable, CustomStringConvertible {
    public var partition: Int32
    public var from: Int64
    public var to: Int64 // exclusive
    public var description: String { "partition \(partition): offsets \(from)..<\(to) missing" }
}

/// All partitions of a topic merged into one stream in MergeKey order, without copying records:
/// each partition contributes its current batch, borrowed from the source (`LogSource.batches`:
/// mapped segments for the embedded log, re-framed reads for a remote source). Pipelined, each
/// partition's batches are read and prepared for `P` on another thread (`PreparingBatchStream`).
final class TopicStream<P: Projection> {
    private enum Reader {
        case direct(any SourceBatchStream)
        case pipelined(PreparingBatchStream<P>)

        var position: Offset {
            switch self {
            case let .direct(stream): return stream.position
            case let .pipelined(stream): return stream.position
            }
        }

        @inline(__always)
        func nextBatch() throws -> PreparedBatch<P.Prepared>? {
            switch self {
            case let .direct(stream):
                // The source reuses its buffers on the next call, which comes only after the fold
                // let go of this batch: no owner needs to be kept.
                guard let batch = try stream.nextBatch() else { return nil }
                return PreparedBatch(records: batch.records, prepared: [], lastOffset: batch.lastOffset, owner: nil)
            case let .pipelined(stream):
                return try stream.nextBatch()
            }
        }
    }

    private struct Head {
        let reader: Reader
        let partition: Int32
        var records: [RecordView] = []
        /// What the projection prepared of the first of `records` (maybe none).
        var prepared: [P.Prepared] = []
        var owner: AnyObject?
        var index = 0
        var expected: Int64
    }

    /// Partitions read ahead at most: a thread each.
    static var pipelinedPartitionsMax: Int { 8 }

    let topic: String
    private var heads: [Head]
    private(set) var gaps: [OffsetGap] = []

    /// `preparingFor`: read and prepare on other threads for this projection, where the source's
    /// batches allow it, the topic has at most `pipelinedPartitionsMax` partitions and the
    /// projection prepares something. Reading ahead alone did not pay: the `table` fold (which
    /// prepares nothing) took 2.6–3.1 s reading ahead against 2.3–2.8 s on one thread, its state
    /// updates waiting on memory, now also on records another core had just decoded.
    init(source: LogSource, topic: String, partitions: [Int32], positions: [Int32: Offset], preparingFor projection: P? = nil) throws {
        self.topic = topic
        let first = source.firstPossibleOffset
        let pipelined = projection != nil && P.Prepared.self != Void.self && partitions.count <= Self.pipelinedPartitionsMax
        heads = try partitions.map { partition in
            let start = positions[partition] ?? first
            let stream = try source.batches(TopicPartition(topic: topic, partition: partition), from: start)
            let reader: Reader = pipelined && stream.batchesOutliveNextCall
                ? .pipelined(PreparingBatchStream(stream, partition: partition, projection: projection!)) : .direct(stream)
            return Head(reader: reader, partition: partition, expected: start.rawValue)
        }
    }

    /// Next offset to read per partition: what a consumer group commits and a snapshot stores.
    var positions: [Int32: Offset] {
        var result: [Int32: Offset] = [:]
        for head in heads {
            result[head.partition] = head.index < head.records.count ? head.records[head.index].offset : head.reader.position
        }
        return result
    }

    /// The next event in merge order without consuming it; nil when every partition is at its end.
    func peek() throws -> (slot: Int, event: EventView)? {
        guard let run = try nextRun() else { return nil }
        return (run.slot, EventView(partition: run.partition, record: run.records[run.start]))
    }

    func consume(_ slot: Int) { consume(slot, count: 1) }

    func consume(_ slot: Int, count: Int) {
        guard count > 0 else { return }
        let offset = heads[slot].records[heads[slot].index + count - 1].offset.rawValue
        heads[slot].index += count
        heads[slot].expected = offset + 1
    }

    /// A stretch of events that come next in merge order, all from one partition's current batch:
    /// from the leading head up to (not past) `bound`, the next head of any other partition. Folds
    /// walk it in a tight loop instead of re-merging per event.
    struct Run {
        let slot: Int
        let partition: Int32
        let records: [RecordView]
        let start: Int
        /// The smallest key of the other partitions' heads; nil when no other partition has events.
        let bound: MergeKey?
        /// What was prepared of the first of `records`; the rest are applied whole.
        let prepared: [P.Prepared]
    }

    func nextRun() throws -> Run? {
        var best: (Int, MergeKey)?
        var second: MergeKey?
        for slot in heads.indices {
            guard try fill(slot) else { continue }
            let record = heads[slot].records[heads[slot].index]
            let key = MergeKey(timestamp: record.timestamp.milliseconds, partition: heads[slot].partition, offset: record.offset.rawValue)
            if let current = best, key >= current.1 {
                if second == nil || key < second! { second = key }
            } else {
                if let current = best { second = second.map { Swift.min($0, current.1) } ?? current.1 }
                best = (slot, key)
            }
        }
        guard let (slot, _) = best else { return nil }
        let head = heads[slot]
        return Run(slot: slot, partition: head.partition, records: head.records, start: head.index, bound: second, prepared: head.prepared)
    }

    /// Makes sure partition `slot` has a record ready; records any gap before it.
    private func fill(_ slot: Int) throws -> Bool {
        if heads[slot].index < heads[slot].records.count { return true }
        // Let go of the consumed batch first: the source then refills its record buffer in place
        // instead of copying it: the copy was an allocation of a whole batch's views (~880 kB for
        // 10,000 records) per batch.
        heads[slot].records = []
        heads[slot].prepared = []
        heads[slot].owner = nil
        heads[slot].index = 0
        while let batch = try heads[slot].reader.nextBatch() {
            // Views read committed data, as Kafka's read_committed consumers do: the source leaves
            // markers and aborted records out, and those offsets are not gaps either.
            guard !batch.records.isEmpty else {
                heads[slot].expected = max(heads[slot].expected, batch.lastOffset + 1)
                continue
            }
            heads[slot].records = batch.records
            heads[slot].prepared = batch.prepared
            heads[slot].owner = batch.owner
            heads[slot].index = 0
            let first = batch.records[0].offset.rawValue
            if first > heads[slot].expected {
                gaps.append(OffsetGap(partition: heads[slot].partition, from: heads[slot].expected, to: first))
            }
            // Holes inside a batch (compaction, a remote source's deleted messages re-framed into
            // one batch): one comparison per batch, a walk only when its offsets are not dense.
            if batch.lastOffset - first + 1 > Int64(batch.records.count) { noteHoles(in: batch.records, partition: heads[slot].partition) }
            return true
        }
        return false
    }

    private func noteHoles(in records: [RecordView], partition: Int32) {
        var previous = records[0].offset.rawValue
        for record in records.dropFirst() {
            let offset = record.offset.rawValue
            if offset > previous + 1 { gaps.append(OffsetGap(partition: partition, from: previous + 1, to: offset)) }
            previous = offset
        }
    }
}
