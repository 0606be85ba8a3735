/// Settings of `rewind serve`. Every wait and size the server uses has its limit here.
public struct KafkaServerConfig: Sendable {
    /// The address to bind. Loopback unless the user asks for another.
    public var listenHost = "127.0.0.1"
    public var listenPort = 9092
    /// What Metadata and FindCoordinator tell clients to dial; defaults to the bound address.
    public var advertisedHost: String?
    public var advertisedPort: Int?
    /// Partitions of a topic created by Metadata's auto-create or CreateTopics with -1.
    public var defaultPartitions: Int32 = 1
    public var autoCreateTopics = true
    /// acks=-1 answered only after fdatasync (the engine's group commit shares one per batch of appends).
    public var durable = false
    /// Kafka's group.initial.rebalance.delay.ms defaults to 3 s; a local tool wants joins at once.
    public var initialRebalanceDelayMs = 0
    /// Kafka's connections.max.idle.ms: a connection with no traffic for this long is closed.
    public var idleTimeoutMs = 600_000
    /// Requests read ahead of their responses on one connection before reading stops (back-pressure).
    public var inFlightRequestsMax = 64
    /// Longest a Fetch may wait for data, whatever max_wait_ms asks: bounds a blocked worker.
    public var fetchWaitMsMax = 30_000
    /// Kafka's group.min/max.session.timeout.ms.
    public var sessionTimeoutMsMin: Int32 = 1_000
    public var sessionTimeoutMsMax: Int32 = 1_800_000
    /// Bytes one Fetch response may carry in total, whatever the request asks (Kafka's fetch.max.bytes).
    public var fetchResponseBytesMax = 55 * 1024 * 1024

    public init() {}
}
