/// Kafka's read_committed view of a partition: which transactional batches belong to a transaction
/// that ended in an ABORT marker. A broker keeps this in `.txnindex` files; we derive it from the
/// batches themselves — a header walk, decoding only the one-record control batches — so captured
/// data needs nothing beyond its `.log` files.
///
/// A transaction of producer P runs from P's first transactional batch after its previous marker to
/// its next control batch. Batches of other producers may interleave, so a record is aborted if and
/// only if its batch is transactional, its producer is P and its offset lies in one of P's aborted
/// ranges. A transaction with no marker yet is open, not aborted.
public struct AbortedTransactions: Sendable, Equatable {
    public struct Range: Hashable, Sendable {
        public var producerId: Int64
        public var firstOffset: Int64
        /// The last offset before the ABORT marker.
        public var lastOffset: Int64
        public init(producerId: Int64, firstOffset: Int64, lastOffset: Int64) {
            self.producerId = producerId
            self.firstOffset = firstOffset
            self.lastOffset = lastOffset
        }
    }

    public private(set) var ranges: [Range] = []

    public static let none = AbortedTransactions()

    public var isEmpty: Bool { ranges.isEmpty }

    public func contains(producerId: Int64, offset: Int64) -> Bool {
        // Few transactions abort; a linear pass is fine and keeps interleaved producers simple.
        ranges.contains { $0.producerId == producerId && $0.firstOffset <= offset && offset <= $0.lastOffset }
    }

    /// Whether a record of this batch at `offset` is part of an aborted transaction.
    public func contains(_ header: RecordBatchHeader, offset: Int64) -> Bool {
        header.isTransactional && !header.isControl && !ranges.isEmpty && contains(producerId: header.producerId, offset: offset)
    }

    /// Folds the batches of one partition, oldest first.
    struct Builder {
        private(set) var open: [Int64: Int64] = [:] // producer id → first offset of its running transaction
        private(set) var result = AbortedTransactions()

        mutating func add(_ header: RecordBatchHeader, marker: () throws -> ControlRecord.Kind?) rethrows {
            guard header.isTransactional else { return }
            guard header.isControl else {
                if open[header.producerId] == nil { open[header.producerId] = header.baseOffset }
                return
            }
            let first = open.removeValue(forKey: header.producerId)
            if let first, try marker() == .abort {
                result.ranges.append(Range(producerId: header.producerId, firstOffset: first, lastOffset: header.baseOffset - 1))
            }
        }
    }
}

extension PartitionLog {
    /// The aborted transactions of this partition, recomputed when it has grown (cached otherwise).
    public func abortedTransactions() throws -> AbortedTransactions {
        let end = try endOffset().rawValue
        if let cached = lock.withLock({ abortedCache }), cached.endOffset == end { return cached.value }
        var builder = AbortedTransactions.Builder()
        var decoder = BatchDecoder(decompressor: decompressor)
        for segment in segmentSnapshot() {
            let state = try segment.prepared()
            let map = try segment.bytes()
            let bytes = UnsafeRawBufferPointer(rebasing: map.bytes[..<min(state.validBytes, map.count)])
            var failure: Error?
            _ = walkBatches(bytes, from: 0) { batch in
                guard !batch.isLegacy else { return true }
                builder.add(batch.header) {
                    var kind: ControlRecord.Kind?
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[batch.position..<(batch.position + batch.header.totalSize)])
                    do {
                        _ = try decoder.forEachRecord(slice, path: segment.logPath, position: batch.position) { record, _ in
                            kind = ControlRecord(key: record.key.map(Array.init), value: record.value.map(Array.init))?.kind
                            return false
                        }
                    } catch { failure = error }
                    return kind
                }
                return failure == nil
            }
            map.release(0..<bytes.count)
            if let failure { throw failure }
        }
        let result = builder.result
        lock.withLock { abortedCache = (end, result) }
        return result
    }
}
