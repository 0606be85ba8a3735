/// Reads one partition of any source forward from a position, a chunk at a time (owned records),
/// skipping transaction control records the way Kafka consumers do. `position` is always the next
/// offset to read, so it is what a consumer group commits. `consume` reads through this for every
/// backend: one loop, whatever stores the events.
public final class LogSourceCursor {
    public let source: LogSource
    public let partition: TopicPartition
    public private(set) var position: Offset
    private var buffer: [Record] = []
    private var index = 0
    private let chunkRecords: Int
    /// Chunks of nothing but transaction markers one `peek` walks past before it reports the end
    /// for now (the next call continues): a bound on one call's work, not on what is read.
    static var controlOnlyChunksMax: Int { 10_000 }

    public init(source: LogSource, partition: TopicPartition, from position: Offset, chunkRecords: Int = 512) {
        self.source = source
        self.partition = partition
        self.position = position
        self.chunkRecords = chunkRecords
    }

    /// The next record without consuming it; nil at the current end of the partition.
    public func peek() throws -> Record? {
        if index < buffer.count { return buffer[index] }
        index = 0
        // Bounded: each round either returns, ends, or moves `position` past a chunk of markers.
        for _ in 0..<Self.controlOnlyChunksMax {
            let chunk = try source.read(partition, from: position, maxRecords: chunkRecords)
            guard let last = chunk.last else {
                buffer = []
                return nil
            }
            // Most chunks hold no marker: keep the array rather than copy it record by record.
            buffer = chunk.contains { $0.batch.isControl } ? chunk.filter { !$0.batch.isControl } : chunk
            if let first = buffer.first { return first }
            position = last.offset.advanced(by: 1)
        }
        buffer = []
        return nil
    }

    public func next() throws -> Record? {
        guard let record = try peek() else { return nil }
        index += 1
        position = record.offset.advanced(by: 1)
        return record
    }

    /// Waits up to `timeoutMs` for a record past `position`.
    public func wait(timeoutMs: Int) throws -> Bool {
        try source.waitForRecords(partition, from: position, timeoutMs: timeoutMs)
    }
}

/// Several partitions read as one stream in a deterministic order: by timestamp, then partition,
/// then offset. Views fold in this order, so a rebuild gives the same state every time.
public final class MergedSourceCursor {
    public let cursors: [LogSourceCursor]

    public init(_ cursors: [LogSourceCursor]) { self.cursors = cursors }

    public func next() throws -> (partition: TopicPartition, record: Record)? {
        // One partition has nothing to merge: skip the peek and its copy of the record.
        if cursors.count == 1 { return try cursors[0].next().map { (cursors[0].partition, $0) } }
        var best: (Int, Record)?
        for (number, cursor) in cursors.enumerated() {
            guard let candidate = try cursor.peek() else { continue }
            if let current = best?.1 {
                let key = (candidate.timestamp, cursor.partition.partition, candidate.offset)
                let bestKey = (current.timestamp, cursors[best!.0].partition.partition, current.offset)
                if key < bestKey { best = (number, candidate) }
            } else {
                best = (number, candidate)
            }
        }
        guard let (number, _) = best, let record = try cursors[number].next() else { return nil }
        return (cursors[number].partition, record)
    }

    public var positions: [TopicPartition: Offset] {
        Dictionary(uniqueKeysWithValues: cursors.map { ($0.partition, $0.position) })
    }
}

extension LogSource {
    /// Owned records of `partition` from `start` until `end` (exclusive; default: the end offset
    /// at the time of the call), control records skipped, read in chunks; stops when `body` returns false.
    public func forEachRecord(_ partition: TopicPartition, from start: Offset, until end: Offset? = nil,
                              _ body: (Record) throws -> Bool) throws {
        let stop = try end ?? endOffset(of: partition)
        let cursor = LogSourceCursor(source: self, partition: partition, from: start, chunkRecords: 1000)
        while cursor.position < stop, let record = try cursor.next() {
            if record.offset >= stop { return }
            if try !body(record) { return }
        }
    }
}
