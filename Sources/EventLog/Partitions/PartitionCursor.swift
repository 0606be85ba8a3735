/// Reads one partition forward from a position, a chunk at a time (owned records), skipping
/// transaction control records the way Kafka consumers do. `position` is always the next offset
/// to read, so it is what a consumer group commits.
public final class PartitionCursor {
    public let partition: PartitionLog
    public private(set) var position: Offset
    private var buffer: [Record] = []
    private var index = 0
    private let chunkRecords: Int
    /// A read error met after some good records: those are served first, then this is thrown.
    private var deferredError: Error?

    public init(partition: PartitionLog, from position: Offset, chunkRecords: Int = 512) {
        self.partition = partition
        self.position = position
        self.chunkRecords = chunkRecords
    }

    /// The next record without consuming it; nil at the current end of the log.
    public func peek() throws -> Record? {
        if index < buffer.count { return buffer[index] }
        if let deferredError {
            self.deferredError = nil
            throw deferredError
        }
        buffer.removeAll(keepingCapacity: true)
        index = 0
        var skippedTo = position
        do {
            try partition.forEachRecord(from: position) { view, batch in
                if batch.header.isControl {
                    skippedTo = view.offset.advanced(by: 1)
                    return true
                }
                buffer.append(view.materialize(batch: batch.info))
                return buffer.count < chunkRecords
            }
        } catch {
            guard !buffer.isEmpty else { throw error }
            deferredError = error
        }
        if buffer.isEmpty { position = max(position, skippedTo) }
        return buffer.first
    }

    public func next() throws -> Record? {
        guard let record = try peek() else { return nil }
        index += 1
        position = record.offset.advanced(by: 1)
        return record
    }
}

/// Several partitions read as one stream in a deterministic order: by timestamp, then partition,
/// then offset. Views fold in this order, so a rebuild gives the same state every time.
public final class MergedCursor {
    public let cursors: [PartitionCursor]

    public init(_ cursors: [PartitionCursor]) { self.cursors = cursors }

    public func next() throws -> (partition: TopicPartition, record: Record)? {
        var best: (Int, Record)?
        for (number, cursor) in cursors.enumerated() {
            guard let candidate = try cursor.peek() else { continue }
            if let current = best?.1 {
                let key = (candidate.timestamp, cursor.partition.topicPartition.partition, candidate.offset)
                let bestKey = (current.timestamp, cursors[best!.0].partition.topicPartition.partition, current.offset)
                if key < bestKey { best = (number, candidate) }
            } else {
                best = (number, candidate)
            }
        }
        guard let (number, _) = best, let record = try cursors[number].next() else { return nil }
        return (cursors[number].partition.topicPartition, record)
    }

    public var positions: [TopicPartition: Offset] {
        Dictionary(uniqueKeysWithValues: cursors.map { ($0.partition.topicPartition, $0.position) })
    }
}
