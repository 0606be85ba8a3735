/// What a fully compacted copy of a topic holds: in each partition, the latest committed record of
/// each key, at its own offset (a tombstone stays as its key's latest, as it does for
/// `delete.retention.ms`). Every segment counts as cleaned, the active one too: the state a
/// compacted topic converges to. Keyless, aborted and control records are not copied. Used by
/// `view --as-if-compacted` to fold what compaction would leave beside the real fold; the source
/// log is only read.
public struct CompactedCopyReport: Sendable {
    public var recordsRead = 0
    public var recordsKept = 0
}

extension EventLog {
    /// Writes the compacted copy of `topic` as a new Rewind log at `directory` (which must not exist).
    @discardableResult
    public func writeCompactedCopy(of topic: String, into directory: String) throws -> CompactedCopyReport {
        let sources = try partitions(of: topic)
        var config = TopicConfig(partitions: Int32(sources.count))
        config.cleanupPolicy = .compact
        let copy = try EventLog.open(directory, mode: .readWrite, create: true, decompressor: decompressor)
        defer { copy.close() }
        try copy.createTopic(topic, config: config)
        var report = CompactedCopyReport()
        for source in sources {
            let aborted = try source.abortedTransactions()
            var latest = KeyOffsetMap()
            try source.forEachRecord(from: .zero) { record, batch in
                report.recordsRead += batch.header.isControl ? 0 : 1
                guard !batch.header.isControl, !aborted.contains(batch.header, offset: record.offset.rawValue), let key = record.key else { return true }
                try latest.record(Array(key), offset: record.offset.rawValue, tombstoneTimestamp: nil, path: source.directory)
                return true
            }
            let target = try copy.partition(source.topicPartition)
            var records: [ProducerRecord] = []
            var offsets: [Int64] = []
            func flush() throws {
                guard !records.isEmpty else { return }
                try target.append(records, offsets: offsets)
                report.recordsKept += records.count
                records.removeAll(keepingCapacity: true)
                offsets.removeAll(keepingCapacity: true)
            }
            try source.forEachRecord(from: .zero) { record, batch in
                guard !batch.header.isControl, let key = record.key, latest.latest(Array(key))?.offset == record.offset.rawValue,
                      !aborted.contains(batch.header, offset: record.offset.rawValue) else { return true }
                records.append(ProducerRecord(key: Array(key), value: record.value.map(Array.init), headers: record.headers(), timestamp: record.timestamp))
                offsets.append(record.offset.rawValue)
                if records.count == 500 { try flush() }
                return true
            }
            try flush()
        }
        return report
    }
}
