extension EventLog {
    /// `rewind repair`: moves every damaged byte range of a Rewind log's segments into a quarantine
    /// file beside its segment and keeps every valid batch at its offsets (PartitionRepair), taking
    /// the writer lock so no writer runs meanwhile. Captured Kafka dirs are evidence and open
    /// read-only only, so they are refused.
    public static func repair(_ directory: String, topic: String? = nil,
                              decompressor: BatchDecompressor = NoDecompressor()) throws -> [PartitionRepairReport] {
        guard FileSystem.isDirectory(directory) else { throw EventLogError(.notFound, "no such log directory", path: directory) }
        guard try LogMetadata.load(from: directory) != nil else {
            throw EventLogError(.invalidArgument, "not a Rewind log (no rewind.json): a captured log is never modified; copy its damaged partition into a Rewind log with `rewind import` instead", path: directory)
        }
        let lock = try DirectoryLock(directory: directory)
        defer { lock.release() }
        guard let metadata = try LogMetadata.load(from: directory) else {
            throw EventLogError(.corruptMetadata, "rewind.json disappeared", path: directory)
        }
        if let topic, metadata.topics[topic] == nil { throw EventLogError(.notFound, "no topic '\(topic)'", path: directory) }
        var reports: [PartitionRepairReport] = []
        for (name, config) in metadata.topics.sorted(by: { $0.key < $1.key }) where topic == nil || name == topic {
            for partition in 0..<config.partitions {
                let topicPartition = TopicPartition(topic: name, partition: partition)
                let path = directory + "/" + topicPartition.directoryName
                guard FileSystem.isDirectory(path) else { continue }
                reports.append(try PartitionRepair.repair(path, topicPartition: topicPartition, decompressor: decompressor))
            }
        }
        return reports
    }
}
