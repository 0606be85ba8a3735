extension EventLog {
    /// Creates topic `name` from what `fill` appends, atomically: an import that fails (bad input,
    /// full disk, a crash) leaves the log as it was.
    ///
    /// Crash points and what the next writable open does:
    ///   1. writing into `.import-<name>/` (partition dirs staged there): the staging dir is removed;
    ///   2. `rewind.json` names the topic with `importing: true`, dirs being moved into place: the
    ///      topic's dirs and its metadata entry are removed — the import never happened;
    ///   3. `rewind.json` rewritten without the flag: the import is complete.
    public func importTopic(_ name: String, config: TopicConfig, fill: ([PartitionLog]) throws -> Void) throws {
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
        var staged: [PartitionLog] = []
        do {
            for partition in 0..<config.partitions {
                let path = staging + "/\(name)-\(partition)"
                try FileSystem.createDirectory(path)
                staged.append(try PartitionLog(directory: path, topicPartition: TopicPartition(topic: name, partition: partition),
                                               config: config, writable: true, decompressor: decompressor))
            }
            try fill(staged)
            for log in staged { try log.sync() }
        } catch {
            for log in staged { log.close() }
            try? FileSystem.removeTree(staging)
            throw error
        }
        for log in staged { log.close() }
        var marked = config
        marked.importing = true
        try updateMetadata { $0.topics[name] = marked }
        for partition in 0..<config.partitions {
            try FileSystem.rename(staging + "/\(name)-\(partition)", to: directory + "/\(name)-\(partition)")
        }
        try FileSystem.syncDirectory(directory)
        try updateMetadata { $0.topics[name] = config }
        try FileSystem.removeTree(staging)
        try adoptTopic(name, config: config)
    }

    static var stagingPrefix: String { ".import-" }
}
