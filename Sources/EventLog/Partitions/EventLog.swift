import Dispatch

/// An append-only event log in a directory: topics of partitions of Kafka-format segments.
///
/// Two ways in. `readWrite` takes the single-writer lock, recovers each partition's active segment
/// (reporting every repair) and may create topics. `readOnly` is for evidence: it never creates,
/// modifies, truncates or locks anything, rebuilds damaged indexes in memory only, and also opens
/// directories Rewind did not create — a Kafka broker's data dir, or a single partition dir.
public final class EventLog: @unchecked Sendable {
    public enum AccessMode: Sendable { case readOnly, readWrite }

    public let directory: String
    public let mode: AccessMode
    public let groups: ConsumerGroups
    public let decompressor: BatchDecompressor
    private let lock = ConditionLock()
    private var metadata: LogMetadata?
    private var partitionLogs: [TopicPartition: PartitionLog] = [:]
    /// A captured broker dir's partitions not opened yet. Opening one lists its directory (~15 µs
    /// of system time each), which was 10.5 ms of a 600-partition dir's first frame that shows one
    /// partition, so each opens on first use (`partition(_:)`, `partitions(of:)`).
    private var unopened: [TopicPartition: TopicConfig] = [:]
    private var directoryLock: DirectoryLock?
    private var roundRobin: [String: Int32] = [:]
    private let partitioner = Partitioner()

    public var isReadOnly: Bool { mode == .readOnly }
    /// True for a log Rewind created (it has `rewind.json`), as opposed to a captured Kafka directory.
    public var isRewindLog: Bool { lock.withLock { metadata != nil } }

    /// Consumer-group offsets live in their own atomically replaced files, outside the segments, so
    /// a reader may commit them while another process holds the writer lock. Never for a captured log.
    public func committableGroups() throws -> ConsumerGroups {
        guard isRewindLog else {
            throw EventLogError(.readOnly, "cannot commit group offsets into a captured log (not created by Rewind)", path: directory)
        }
        return ConsumerGroups(logDirectory: directory, writable: true)
    }
    /// What the writable open repaired (torn tails cut, indexes rebuilt).
    public private(set) var repairs: [RepairNote] = []

    /// Opens the log at `directory`; with `create`, a missing directory becomes an empty log.
    /// A path to a single `NNN.log` segment file opens read-only as a one-partition log of just
    /// that segment (named after its directory when that reads `<topic>-<partition>`).
    public static func open(_ directory: String, mode: AccessMode, create: Bool = false,
                            decompressor: BatchDecompressor = NoDecompressor()) throws -> EventLog {
        let file = FileSystem.lastComponent(of: directory)
        if let base = Segment.baseOffset(fromFileName: file), FileSystem.exists(directory), !FileSystem.isDirectory(directory) {
            guard mode == .readOnly else {
                throw EventLogError(.invalidArgument, "a single segment file opens read-only", path: directory)
            }
            return try EventLog(segmentFile: directory, baseOffset: base, decompressor: decompressor)
        }
        return try EventLog(directory: directory, mode: mode, create: create, decompressor: decompressor)
    }

    private init(segmentFile: String, baseOffset: Int64, decompressor: BatchDecompressor) throws {
        let parent = FileSystem.parent(of: FileSystem.absolute(segmentFile))
        directory = parent
        mode = .readOnly
        self.decompressor = decompressor
        groups = ConsumerGroups(logDirectory: parent, writable: false)
        let partition = TopicPartition(directoryName: FileSystem.lastComponent(of: parent)) ?? TopicPartition(topic: "segment", partition: 0)
        let log = try PartitionLog(directory: parent, topicPartition: partition, config: TopicConfig(partitions: 1), writable: false,
                                   decompressor: decompressor, onlySegment: baseOffset)
        partitionLogs[partition] = log
    }

    private init(directory: String, mode: AccessMode, create: Bool, decompressor: BatchDecompressor) throws {
        self.directory = directory
        self.mode = mode
        self.decompressor = decompressor
        self.groups = ConsumerGroups(logDirectory: directory, writable: mode == .readWrite)
        if !FileSystem.isDirectory(directory) {
            guard create, mode == .readWrite else {
                throw EventLogError(.notFound, "no such log directory", path: directory)
            }
            try FileSystem.createDirectories(directory)
        }
        if mode == .readWrite {
            directoryLock = try DirectoryLock(directory: directory)
        }
        do {
            try openPartitions(create: create)
        } catch {
            close()
            throw error
        }
    }

    private func openPartitions(create: Bool) throws {
        metadata = try LogMetadata.load(from: directory)
        if metadata == nil && mode == .readWrite {
            let hasPartitions = try !discoverPartitionDirectories().isEmpty
            guard create || !hasPartitions else {
                throw EventLogError(.invalidArgument, "not a Rewind log (no rewind.json); open it read-only", path: directory)
            }
            metadata = LogMetadata()
            try metadata!.save(to: directory)
        }
        if mode == .readWrite { try cleanUpInterruptedImports() }
        if let metadata {
            for (topic, config) in metadata.topics {
                for partition in 0..<config.partitions {
                    try openPartition(TopicPartition(topic: topic, partition: partition), config: config)
                }
            }
            return
        }
        // A directory we did not create: a broker data dir, or one partition dir with segments in it.
        if let single = TopicPartition(directoryName: FileSystem.lastComponent(of: FileSystem.absolute(directory))),
           try FileSystem.listDirectory(directory).contains(where: { Segment.baseOffset(fromFileName: $0) != nil }) {
            try openPartition(single, config: TopicConfig(partitions: 1), at: directory)
            return
        }
        let found = try discoverPartitionDirectories()
        let counts = Dictionary(grouping: found, by: \.topic).mapValues { Int32($0.count) }
        unopened = Dictionary(found.map { ($0, TopicConfig(partitions: counts[$0.topic] ?? 1)) }) { first, _ in first }
    }

    /// Opens the `unopened` partitions among `wanted`, on both cores (a topic of 50 at once).
    private func openPending(_ wanted: [TopicPartition]) throws {
        let pending = lock.withLock { wanted.compactMap { id in unopened[id].map { (id, $0) } } }
        guard !pending.isEmpty else { return }
        let logs = try openReadOnlyPartitions(pending)
        lock.withLock {
            for (id, log) in logs {
                if partitionLogs[id] == nil { partitionLogs[id] = log } else { log.close() } // another thread was first
                unopened[id] = nil
            }
        }
    }

    private func openReadOnlyPartitions(_ partitions: [(TopicPartition, TopicConfig)]) throws -> [TopicPartition: PartitionLog] {
        final class Opened: @unchecked Sendable { // guarded by `lock`
            let lock = ConditionLock()
            var logs: [TopicPartition: PartitionLog] = [:]
            var failure: Error?
        }
        let opened = Opened()
        let directory = directory, decompressor = decompressor
        DispatchQueue.concurrentPerform(iterations: min(2, partitions.count)) { worker in
            for index in stride(from: worker, to: partitions.count, by: 2) {
                let (partition, config) = partitions[index]
                let result = Result {
                    try PartitionLog(directory: directory + "/" + partition.directoryName, topicPartition: partition, config: config,
                                     writable: false, decompressor: decompressor)
                }
                opened.lock.withLock {
                    switch result {
                    case let .success(log): opened.logs[partition] = log
                    case let .failure(error): opened.failure = opened.failure ?? error
                    }
                }
            }
        }
        if let failure = opened.failure {
            for log in opened.logs.values { log.close() }
            throw failure
        }
        return opened.logs
    }

    /// Undoes imports a crash interrupted (see `importTopic`): staging dirs go, and a topic still
    /// marked `importing` loses its moved dirs and its metadata entry.
    private func cleanUpInterruptedImports() throws {
        for name in try FileSystem.listDirectory(directory) where name.hasPrefix(Self.stagingPrefix) {
            try FileSystem.removeTree(directory + "/" + name)
        }
        guard var current = metadata else { return }
        for (topic, config) in current.topics where config.importing == true {
            for partition in 0..<config.partitions {
                let path = directory + "/\(topic)-\(partition)"
                if FileSystem.exists(path) { try FileSystem.removeTree(path) }
            }
            current.topics[topic] = nil
            repairs.append(RepairNote(path: directory + "/" + topic, truncatedAt: nil, bytesRemoved: 0, reason: "removed the half-moved import of topic '\(topic)'"))
        }
        if current != metadata {
            try current.save(to: directory)
            metadata = current
        }
    }

    func updateMetadata(_ change: (inout LogMetadata) -> Void) throws {
        try lock.withLock {
            guard var updated = metadata else { throw EventLogError(.readOnly, "not a Rewind log", path: directory) }
            change(&updated)
            try updated.save(to: directory)
            metadata = updated
        }
    }

    func adoptTopic(_ name: String, config: TopicConfig) throws {
        try lock.withLock {
            for partition in 0..<config.partitions { try openPartition(TopicPartition(topic: name, partition: partition), config: config) }
        }
    }

    private func discoverPartitionDirectories() throws -> [TopicPartition] {
        try FileSystem.listDirectory(directory).compactMap { name in
            guard let partition = TopicPartition(directoryName: name), FileSystem.isDirectory(directory + "/" + name) else { return nil }
            return partition
        }
    }

    private func openPartition(_ partition: TopicPartition, config: TopicConfig, at path: String? = nil) throws {
        let path = path ?? directory + "/" + partition.directoryName
        if mode == .readWrite { try FileSystem.createDirectory(path) }
        let log = try PartitionLog(directory: path, topicPartition: partition, config: config,
                                   writable: mode == .readWrite, decompressor: decompressor)
        repairs += log.repairs
        partitionLogs[partition] = log
    }

    /// Flushes indexes, releases the writer lock and unmaps everything.
    public func close() {
        lock.withLock {
            for log in partitionLogs.values { log.close() }
            partitionLogs = [:]
            unopened = [:]
            directoryLock?.release()
            directoryLock = nil
        }
    }

    // MARK: Topics

    /// A topic's settings; nil fields for a directory we did not create (settings unknown).
    public struct TopicInfo: Hashable, Sendable {
        public var name: String
        public var partitions: Int32
        public var config: TopicConfig?
    }

    public func topics() -> [TopicInfo] {
        lock.withLock {
            let byTopic = Dictionary(grouping: Array(partitionLogs.keys) + Array(unopened.keys), by: \.topic)
            return byTopic.keys.sorted().map { name in
                TopicInfo(name: name, partitions: Int32(byTopic[name]!.count), config: metadata?.topics[name])
            }
        }
    }

    public func createTopic(_ name: String, config: TopicConfig) throws {
        try TopicConfig.validateName(name)
        try config.validate(topic: name)
        try lock.withLock {
            guard mode == .readWrite, var updated = metadata else {
                throw EventLogError(.readOnly, "cannot create topic '\(name)' in a read-only log", path: directory)
            }
            guard updated.topics[name] == nil else { throw EventLogError(.alreadyExists, "topic '\(name)' already exists") }
            // Crash points: partition dirs first, then rewind.json. A crash in between leaves
            // directories no metadata names; the next create of the same topic reuses them.
            for partition in 0..<config.partitions {
                try openPartition(TopicPartition(topic: name, partition: partition), config: config)
            }
            updated.topics[name] = config
            try updated.save(to: directory)
            metadata = updated
        }
    }

    /// The partitions of `topic`, in order, without opening any (a captured broker dir opens its
    /// partitions on first use).
    public func partitionIDs(of topic: String) -> [TopicPartition] {
        lock.withLock { (partitionLogs.keys.filter { $0.topic == topic } + unopened.keys.filter { $0.topic == topic }).sorted() }
    }

    public func partitions(of topic: String) throws -> [PartitionLog] {
        try openPending(partitionIDs(of: topic))
        let logs = lock.withLock { partitionLogs.filter { $0.key.topic == topic }.sorted { $0.key < $1.key }.map(\.value) }
        guard !logs.isEmpty else { throw EventLogError(.notFound, "unknown topic '\(topic)'", path: directory) }
        return logs
    }

    public func partition(_ partition: TopicPartition) throws -> PartitionLog {
        try openPending([partition])
        guard let log = lock.withLock({ partitionLogs[partition] }) else {
            throw EventLogError(.notFound, "unknown partition \(partition)", path: directory)
        }
        return log
    }

    // MARK: Appending

    /// Appends to `topic`: each record goes to `partition` if given, else by key (Kafka's murmur2
    /// partitioner) or round-robin when keyless. One batch per partition touched.
    public func append(_ records: [ProducerRecord], to topic: String, partition: Int32? = nil,
                       durable: Bool = false) throws -> [PartitionLog.AppendResult] {
        let logs = try partitions(of: topic)
        if let partition {
            guard partition >= 0, Int(partition) < logs.count else {
                throw EventLogError(.invalidArgument, "topic '\(topic)' has no partition \(partition) (it has \(logs.count))")
            }
            return [try logs[Int(partition)].append(records, durable: durable)]
        }
        var byPartition: [Int32: [ProducerRecord]] = [:]
        for record in records {
            byPartition[choosePartition(for: record, topic: topic, count: Int32(logs.count)), default: []].append(record)
        }
        return try byPartition.keys.sorted().map { try logs[Int($0)].append(byPartition[$0]!, durable: durable) }
    }

    public func choosePartition(for record: ProducerRecord, topic: String, count: Int32) -> Int32 {
        if let key = record.key { return partitioner.partition(forKey: key, partitions: count) }
        return lock.withLock {
            let next = roundRobin[topic, default: 0]
            roundRobin[topic] = (next + 1) % count
            return next
        }
    }

    // MARK: Retention and lag

    /// Applies every topic's retention at `now`; returns the segment files deleted.
    public func enforceRetention(now: Timestamp) throws -> [String] {
        guard mode == .readWrite else { throw EventLogError(.readOnly, "retention needs write access", path: directory) }
        let logs = lock.withLock { Array(partitionLogs.values) }
        return try logs.flatMap { try $0.enforceRetention(now: now) }
    }

    /// Per partition of `topic`: committed offset of `group` (nil if none) and lag = end − committed.
    public struct GroupLag: Hashable, Sendable {
        public var topicPartition: TopicPartition
        public var committed: Offset?
        public var endOffset: Offset
        public var lag: Int64

        public init(topicPartition: TopicPartition, committed: Offset?, endOffset: Offset, lag: Int64) {
            self.topicPartition = topicPartition
            self.committed = committed
            self.endOffset = endOffset
            self.lag = lag
        }
    }

    public func lag(of group: String) throws -> [GroupLag] {
        let committed = try groups.committed(group)
        let topicsOfGroup = Set(committed.keys.map(\.topic))
        var result: [GroupLag] = []
        for topic in topicsOfGroup.sorted() {
            guard let logs = try? partitions(of: topic) else { continue }
            for log in logs {
                let end = try log.endOffset()
                let position = committed[log.topicPartition]
                let from = position ?? log.startOffset
                result.append(GroupLag(topicPartition: log.topicPartition, committed: position, endOffset: end,
                                       lag: max(0, end.rawValue - from.rawValue)))
            }
        }
        return result
    }
}
