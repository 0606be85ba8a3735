import Basics
import EventLog
import Glibc
import KafkaProtocol

/// A client of one Kafka cluster: bootstrap, metadata, one connection per broker, and routing of
/// each request to the broker that must answer it (the partition's leader, the group's coordinator).
///
/// Bootstrap: the URL's brokers are tried in order until one answers ApiVersions; its Metadata
/// names every broker by node id and each partition's leader. Metadata is refreshed when a broker
/// answers NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION (or another stale-leader error)
/// and when a connection is lost; the request is then retried with exponential backoff
/// (50 ms doubling to 1 s, at most `KafkaClientLimits.retriesMax` times).
///
/// Thread-safe: the maps are behind a lock, and each connection locks its own requests.
public final class KafkaCluster: @unchecked Sendable {
    public struct Options: Sendable {
        public var connectTimeoutMs = 3_000
        public var requestTimeoutMs = 15_000
        public var clientId = "rewind"
        public init() {}
    }

    public let url: KafkaURL
    let options: Options
    let decompressor: BatchDecompressor
    private let lock = ConditionLock()
    private var connections: [KafkaURL.Address: BrokerConnection] = [:]
    private var metadata = ClusterMetadata()
    private var closed = false

    public init(url: KafkaURL, options: Options = Options(), decompressor: BatchDecompressor) throws {
        self.url = url
        self.options = options
        self.decompressor = decompressor
        try refreshMetadata(topics: nil)
    }

    deinit { close() }

    public func close() {
        let open: [BrokerConnection] = lock.withLock {
            closed = true
            defer { connections = [:] }
            return Array(connections.values)
        }
        for connection in open { connection.close() }
    }

    // MARK: Connections

    var connectionOptions: BrokerConnection.Options {
        BrokerConnection.Options(connectTimeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs, clientId: options.clientId)
    }

    func connection(to address: KafkaURL.Address) throws -> BrokerConnection {
        if let existing: BrokerConnection = try lock.withLock({
            if closed { throw KafkaClientError(.closed, "the client is closed", target: url.cluster) }
            return connections[address].flatMap { $0.isUsable ? $0 : nil }
        }) { return existing }
        let fresh = try BrokerConnection(address: address, options: connectionOptions)
        let replaced: BrokerConnection? = lock.withLock {
            defer { connections[address] = fresh }
            return connections[address]
        }
        replaced?.close()
        return fresh
    }

    /// Any broker that answers: the bootstrap list first, then the brokers Metadata named.
    func anyConnection() throws -> BrokerConnection {
        let known: [KafkaURL.Address] = lock.withLock { Array(metadata.brokers.values).sorted { $0.description < $1.description } }
        var lastError: Error?
        for address in url.brokers + known.filter({ !url.brokers.contains($0) }) {
            do { return try connection(to: address) } catch { lastError = error }
        }
        if url.brokers.count == 1, let lastError { throw lastError }
        throw KafkaClientError(.unreachable, "no broker answers (\(lastError.map { "\($0)" } ?? "none listed"))", target: url.cluster)
    }

    func connection(toNode node: Int32) throws -> BrokerConnection {
        guard let address = lock.withLock({ metadata.brokers[node] }) else {
            throw KafkaClientError(.broker, "metadata names no broker with node id \(node)", target: url.cluster)
        }
        return try connection(to: address)
    }

    // MARK: Metadata

    /// Asks any broker for the metadata of `topics` (nil: every topic) and merges it in.
    func refreshMetadata(topics: [String]?) throws {
        let connection = try anyConnection()
        var request = MetadataRequest()
        request.topics = topics.map { $0.map { name in
            var topic = MetadataRequest.MetadataRequestTopic()
            topic.name = name
            return topic
        } }
        request.allowAutoTopicCreation = false
        let (response, _) = try connection.send(request, MetadataResponse.self)
        let fresh = ClusterMetadata(response)
        lock.withLock {
            if topics == nil { metadata = fresh } else { metadata.merge(fresh) }
        }
    }

    /// Topics the cluster has (internal ones such as `__consumer_offsets` left out), sorted.
    public func topicNames() throws -> [String] {
        try refreshMetadata(topics: nil)
        return lock.withLock { metadata.topics.values.filter { !$0.isInternal && $0.errorCode == 0 }.map(\.name).sorted() }
    }

    /// The partitions of `topic` and their leaders; throws `.notFound` for a topic the cluster does not have.
    public func partitions(of topic: String, refresh: Bool = false) throws -> [Int32: Int32] {
        if !refresh, let known = lock.withLock({ metadata.topics[topic] }), known.errorCode == 0, !known.leaders.isEmpty {
            return known.leaders
        }
        try refreshMetadata(topics: [topic])
        guard let known = lock.withLock({ metadata.topics[topic] }), known.errorCode == 0 else {
            throw EventLogError(.notFound, "topic '\(topic)' not found on cluster \(url.cluster)")
        }
        return known.leaders
    }

    public var brokers: [Int32: KafkaURL.Address] { lock.withLock { metadata.brokers } }

    func leaderConnection(_ partition: TopicPartition) throws -> BrokerConnection {
        guard let leader = try partitions(of: partition.topic)[partition.partition] else {
            throw EventLogError(.notFound, "topic '\(partition.topic)' has no partition \(partition.partition) on cluster \(url.cluster)")
        }
        guard leader >= 0 else {
            throw KafkaClientError(.broker, "partition \(partition.partition) of '\(partition.topic)' has no leader", target: url.cluster,
                                   kafkaErrorCode: KafkaErrorName.leaderNotAvailable)
        }
        return try connection(toNode: leader)
    }

    // MARK: Retries

    /// Runs `body`, and after a lost connection, a timeout or a stale-leader answer refreshes the
    /// metadata of `topic`, waits (backoff) and runs it again.
    func retrying<T>(topic: String?, _ body: () throws -> T) throws -> T {
        var backoffMs = KafkaClientLimits.backoffMsInitial
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as KafkaClientError where attempt < KafkaClientLimits.retriesMax && Self.isRetriable(error) {
                attempt += 1
                usleep(UInt32(backoffMs) * 1000)
                backoffMs = min(backoffMs * 2, KafkaClientLimits.backoffMsMax)
                // A refresh that fails (the cluster still down) is retried with the request.
                try? refreshMetadata(topics: topic.map { [$0] })
            }
        }
    }

    static func isRetriable(_ error: KafkaClientError) -> Bool {
        switch error.code {
        // Unreachable after the client once connected: a broker restarting, or a leader moving.
        case .connectionLost, .timeout, .unreachable: return true
        case .broker: return error.kafkaErrorCode.map(KafkaErrorName.isStaleMetadata) ?? false
        case .protocolViolation, .unsupportedVersion, .invalidArgument, .closed: return false
        }
    }

    /// A broker's error code on `partition` as a thrown error (nothing for 0).
    func check(_ code: Int16, _ what: String, _ partition: TopicPartition) throws {
        guard code != 0 else { return }
        throw KafkaClientError(.broker, "\(what) of \(partition.topic)-\(partition.partition) failed: \(KafkaErrorName.describe(code))",
                               target: url.cluster, kafkaErrorCode: code)
    }
}
