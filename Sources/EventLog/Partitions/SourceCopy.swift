/// Copies records from any `LogSource` into a partition of the embedded log, keeping their
/// offsets (holes included), timestamps, keys and headers: `rewind import nats://…` and the local
/// replica views read from use it.
public enum SourceCopy {
    /// Records per read and per append: one batch on disk per chunk.
    public static var chunkRecords: Int { 1000 }

    /// Appends `source`'s records of `partition` from `start` until its end offset at the time of
    /// the call (or `limit` records) to `target`; returns how many were copied. Stops early when
    /// `shouldStop` says so (Ctrl-C), between chunks.
    @discardableResult
    public static func copy(from source: LogSource, _ partition: TopicPartition, start: Offset, into target: PartitionLog,
                            limit: Int = .max, shouldStop: () -> Bool = { false }) throws -> Int {
        let end = try source.endOffset(of: partition)
        var position = start
        var copied = 0
        while position < end, copied < limit, !shouldStop() {
            let records = try source.read(partition, from: position, maxRecords: min(chunkRecords, limit - copied))
            guard let last = records.last else { break }
            try target.append(records.map { ProducerRecord(key: $0.key, value: $0.value, headers: $0.headers, timestamp: $0.timestamp) },
                              offsets: records.map(\.offset.rawValue))
            copied += records.count
            position = last.offset.advanced(by: 1)
        }
        return copied
    }
}
