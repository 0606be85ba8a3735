extension EventLog {
    /// `rewind compact`: runs the cleaner (PartitionCleaner) over every partition of `topic`, or of
    /// every topic whose cleanup.policy compacts, holding the writer lock so no writer runs
    /// meanwhile. Each partition is recovered first, as a writable open would (an interrupted
    /// repair or compaction finished, a torn tail cut). Captured Kafka dirs are evidence and are
    /// refused; so is a topic whose policy is `delete` (compaction removes records).
    public static func compact(_ directory: String, topic: String? = nil, now: Timestamp, force: Bool = false,
                               decompressor: BatchDecompressor = NoDecompressor()) throws -> [PartitionCompactionReport] {
        guard FileSystem.isDirectory(directory) else { throw EventLogError(.notFound, "no such log directory", path: directory) }
        guard try LogMetadata.load(from: directory) != nil else {
            throw EventLogError(.invalidArgument, "not a Rewind log (no rewind.json): a captured log is never modified; `rewind import` it into a Rewind log to compact a copy", path: directory)
        }
        let lock = try DirectoryLock(directory: directory)
        defer { lock.release() }
        guard let metadata = try LogMetadata.load(from: directory) else {
            throw EventLogError(.corruptMetadata, "rewind.json disappeared", path: directory)
        }
        if let topic {
            guard let config = metadata.topics[topic] else { throw EventLogError(.notFound, "no topic '\(topic)'", path: directory) }
            guard config.policy.compacts else {
                throw EventLogError(.invalidArgument, "topic '\(topic)' has cleanup.policy=delete: compaction would remove its superseded records; set `rewind topics alter \(topic) --cleanup-policy compact` first", path: directory)
            }
        }
        var reports: [PartitionCompactionReport] = []
        for (name, config) in metadata.topics.sorted(by: { $0.key < $1.key }) where (topic == nil || name == topic) && config.policy.compacts {
            for partition in 0..<config.partitions {
                let topicPartition = TopicPartition(topic: name, partition: partition)
                let path = directory + "/" + topicPartition.directoryName
                guard FileSystem.isDirectory(path) else { continue }
                let recovered = try PartitionLog(directory: path, topicPartition: topicPartition, config: config, writable: true, decompressor: decompressor)
                recovered.close()
                let settings = PartitionCleaner.Settings(now: now, deleteRetentionMs: config.tombstoneRetentionMs,
                                                         minCleanableDirtyRatio: config.cleanableRatioMin,
                                                         segmentBytes: config.segmentBytes, force: force)
                reports.append(try PartitionCleaner.clean(path, topicPartition: topicPartition, settings: settings, decompressor: decompressor))
            }
        }
        return reports
    }
}
