extension EventLog {
    /// `topics alter`: changes a topic's settings in `rewind.json` (Kafka's `kafka-configs --alter`)
    /// and in the open partitions. The partition count can't change: keys would move partitions.
    @discardableResult
    public func alterTopic(_ name: String, _ change: (inout TopicConfig) throws -> Void) throws -> TopicConfig {
        guard mode == .readWrite else { throw EventLogError(.readOnly, "cannot alter topic '\(name)' in a read-only log", path: directory) }
        guard var config = topics().first(where: { $0.name == name })?.config else {
            throw EventLogError(.notFound, "unknown topic '\(name)'", path: directory)
        }
        let partitionCount = config.partitions
        try change(&config)
        guard config.partitions == partitionCount else {
            throw EventLogError(.invalidArgument, "topic '\(name)': the partition count can't be changed (keys would move partitions)")
        }
        try config.validate(topic: name)
        let altered = config
        try updateMetadata { $0.topics[name] = altered }
        for partition in try partitions(of: name) { partition.replaceConfig(altered) }
        return altered
    }
}
