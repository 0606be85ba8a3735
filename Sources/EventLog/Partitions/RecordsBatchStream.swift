/// The bulk path for a source that only hands out owned records (JetStream, a Kafka client that
/// decoded its fetches): each chunk read is framed again as one uncompressed v2 batch in a buffer
/// this stream owns, and the fold borrows `RecordView`s from it exactly as it borrows from a mapped
/// segment. One encode per chunk of up to `chunkRecords` records (bounded by `chunkBytesMax`), so
/// folds above the protocol have a single code path; the cost is one copy of each record, small
/// next to the network round trip that brought it.
public final class RecordsBatchStream: SourceBatchStream {
    public let source: LogSource
    public let partition: TopicPartition
    public private(set) var position: Offset
    private var pending: [Record] = []
    private var pendingIndex = 0
    private var encoder = RecordBatchEncoder()
    private var decoder = BatchDecoder(decompressor: NoDecompressor())
    private var views: [RecordView] = []
    /// The framed batch the views point into: memory this stream owns, stable until the next call.
    private var storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 8)

    /// Records per read: one network round trip for a remote source.
    static var chunkRecords: Int { 1000 }
    /// Bytes of keys and values per framed batch: far below `Limits.batchBytesMax` however big the records.
    static var chunkBytesMax: Int { 8 << 20 }

    public init(source: LogSource, partition: TopicPartition, from start: Offset) {
        self.source = source
        self.partition = partition
        position = start
    }

    deinit { storage.deallocate() }

    public func nextBatch() throws -> SourceBatch? {
        if pendingIndex >= pending.count {
            pending = try source.read(partition, from: position, maxRecords: Self.chunkRecords)
            pendingIndex = 0
            guard !pending.isEmpty else { return nil }
        }
        var end = pendingIndex
        var bytes = 0
        while end < pending.count, end == pendingIndex || bytes + Self.size(pending[end]) <= Self.chunkBytesMax {
            bytes += Self.size(pending[end])
            end += 1
        }
        let chunk = pending[pendingIndex..<end]
        pendingIndex = end
        let base = chunk.first!.offset
        encoder.encode(chunk.map { ProducerRecord(key: $0.key, value: $0.value, headers: $0.headers, timestamp: $0.timestamp) },
                       baseOffset: base, offsetDeltas: chunk.map { $0.offset.rawValue - base.rawValue })
        views.removeAll(keepingCapacity: true)
        let label = source.location
        let framed = encoder.buffer
        if storage.count < framed.count {
            storage.deallocate()
            storage = .allocate(byteCount: framed.count, alignment: 8)
        }
        framed.withUnsafeBytes { storage.copyMemory(from: $0) }
        _ = try decoder.forEachRecord(UnsafeRawBufferPointer(rebasing: storage[..<framed.count]), path: label, position: 0) { record, _ in
            views.append(record)
            return true
        }
        let last = chunk.last!.offset.rawValue
        position = Offset(last + 1)
        return SourceBatch(records: views, lastOffset: last)
    }

    private static func size(_ record: Record) -> Int {
        (record.key?.count ?? 0) + (record.value?.count ?? 0) + record.headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) }
    }
}
