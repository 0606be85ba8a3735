extension EventLog {
    /// Creates topic `name` from what `fill` appends, atomically: an import that fails (bad input,
    /// full disk, a crash) leaves the log as it was. Partitions past `config.partitions` are created
    /// when `fill` first asks for them, so a streamed capture need not be read twice to count them.
    ///
    /// Crash points and what the next writable open does:
    ///   1. writing into `.import-<name>/` (partition dirs staged there): the staging dir is removed;
    ///   2. `rewind.json` names the topic with `importing: true`, dirs being moved into place: the
    ///      topic's dirs and its metadata entry are removed — the import never happened;
    ///   3. `rewind.json` rewritten without the flag: the import is complete.
    public func importTopic(_ name: String, config: TopicConfig, fill: (StagedTopic) throws -> Void) throws {
        try TopicConfig.validateName(name)
        try config.validate(topic: name)
        guard mode == .readWrite, isRewindLog else {
            throw EventLogError(.readOnly, "cannot import into a read-only or captured log", path: directory)
        }
        guard !topics().contains(where: { $0.name == name }), !FileSystem.exists(directory + "/\(name)-0") else {
            throw EventLogError(.alreadyExists, "topic '\(name)' already exists: import creates a new topic")
        }
        let staging = directory + "/" + Self.stagingPrefix + name
        if FileSystem.exists(staging) { try FileSystem.removeTree(staging) }
        try FileSystem.createDirectory(staging)
        let staged = StagedTopic(name: name, directory: staging, config: config, decompressor: decompressor)
        var final = config
        do {
            for partition in 0..<config.partitions { _ = try staged.partition(partition) }
            try fill(staged)
            final.partitions = staged.partitionCount
            // A captured topic may name partitions 0 and 3 only: the ones between exist, empty.
            for partition in 0..<final.partitions { _ = try staged.partition(partition) }
            try staged.syncAll()
        } catch {
            staged.closeAll()
            try? FileSystem.removeTree(staging)
            throw error
        }
        staged.closeAll()
        var marked = final
        marked.importing = true
        try updateMetadata { $0.topics[name] = marked }
        for partition in 0..<final.partitions {
            try FileSystem.rename(staging + "/\(name)-\(partition)", to: directory + "/\(name)-\(partition)")
        }
        try FileSystem.syncDirectory(directory)
        try updateMetadata { $0.topics[name] = final }
        try FileSystem.removeTree(staging)
        try adoptTopic(name, config: final)
    }

    static var stagingPrefix: String { ".import-" }
}

/// The partitions of a topic being imported, staged aside; created on first use.
public final class StagedTopic {
    let name: String
    let directory: String
    let config: TopicConfig
    let decompressor: BatchDecompressor
    private var logs: [Int32: PartitionLog] = [:]

    init(name: String, directory: String, config: TopicConfig, decompressor: BatchDecompressor) {
        self.name = name
        self.directory = directory
        self.config = config
        self.decompressor = decompressor
    }

    /// One past the highest partition created so far.
    public var partitionCount: Int32 { (logs.keys.max() ?? -1) + 1 }

    public func partition(_ number: Int32) throws -> PartitionLog {
        if let log = logs[number] { return log }
        guard number >= 0, number < Limits.partitionsPerTopicMax else {
            throw EventLogError(.invalidArgument, "partition \(number) is outside 0..<\(Limits.partitionsPerTopicMax)")
        }
        let path = directory + "/\(name)-\(number)"
        try FileSystem.createDirectory(path)
        let log = try PartitionLog(directory: path, topicPartition: TopicPartition(topic: name, partition: number),
                                   config: config, writable: true, decompressor: decompressor)
        logs[number] = log
        return log
    }

    func syncAll() throws { for log in logs.values { try log.sync() } }
    func closeAll() { for log in logs.values { log.close() } }
}
