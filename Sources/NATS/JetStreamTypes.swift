/// The parts of the `$JS.API` JSON that Rewind reads and writes (ADR-1 of nats-architecture-and-
/// design; field names as nats-server 2.9 sends them, snake_case). Durations are nanoseconds,
/// times RFC 3339 with nanoseconds.
public struct StreamConfig: Codable, Sendable, Equatable {
    public var name: String
    public var subjects: [String]?
    public var retention: String?
    public var maxAge: Int64?
    public var maxMsgs: Int64?
    public var maxBytes: Int64?
    public var storage: String?
    public var numReplicas: Int?
    public var duplicateWindow: Int64?
    public var discard: String?
    /// Lets any replica answer `$JS.API.DIRECT.GET` (nats-server 2.9 and later).
    public var allowDirect: Bool?

    public init(name: String, subjects: [String], replicas: Int = 1, storage: String = "file", duplicateWindowNs: Int64? = nil,
                allowDirect: Bool? = nil) {
        self.name = name
        self.subjects = subjects
        self.retention = "limits"
        self.storage = storage
        self.numReplicas = replicas
        self.duplicateWindow = duplicateWindowNs
        self.discard = "old"
        self.allowDirect = allowDirect
    }
}

public struct StreamState: Codable, Sendable, Equatable {
    public var messages: UInt64
    public var bytes: UInt64
    public var firstSeq: UInt64
    public var firstTs: String?
    public var lastSeq: UInt64
    public var lastTs: String?
    public var consumerCount: Int?
}

public struct ClusterInfo: Codable, Sendable, Equatable {
    public struct Peer: Codable, Sendable, Equatable {
        public var name: String
        public var current: Bool?
        public var active: Int64?
        public var lag: UInt64?
    }
    public var name: String?
    public var leader: String?
    public var replicas: [Peer]?
}

public struct StreamInfo: Codable, Sendable, Equatable {
    public var config: StreamConfig
    public var state: StreamState
    public var cluster: ClusterInfo?
    public var created: String?
}

public struct SequencePair: Codable, Sendable, Equatable {
    public var consumerSeq: UInt64
    public var streamSeq: UInt64
}

public struct ConsumerConfig: Codable, Sendable, Equatable {
    public var durableName: String?
    public var name: String?
    public var deliverPolicy: String?
    public var optStartSeq: UInt64?
    public var optStartTime: String?
    public var ackPolicy: String?
    public var filterSubject: String?
    public var inactiveThreshold: Int64?
    public var memStorage: Bool?
    public var numReplicas: Int?
    public var deliverSubject: String?
    public var flowControl: Bool?
    public var idleHeartbeat: Int64?
    public var maxAckPending: Int?
    public var headersOnly: Bool?

    public init() {}
}

public struct ConsumerInfo: Codable, Sendable, Equatable {
    public var streamName: String
    public var name: String
    public var config: ConsumerConfig
    public var delivered: SequencePair
    public var ackFloor: SequencePair
    public var numAckPending: Int?
    public var numRedelivered: Int?
    public var numWaiting: Int?
    public var numPending: UInt64?
}

public struct PubAck: Codable, Sendable, Equatable {
    public var stream: String
    public var seq: UInt64
    public var duplicate: Bool?
}

/// `{"error":{"code":404,"err_code":10059,"description":"stream not found"}}`
struct APIError: Codable, Sendable {
    var code: Int
    var errCode: Int?
    var description: String?
}

struct APIErrorEnvelope: Decodable {
    var error: APIError?
}

struct StreamNamesResponse: Decodable {
    var total: Int
    var offset: Int
    var limit: Int
    var streams: [String]?
}

struct StreamListResponse: Decodable {
    var total: Int
    var offset: Int
    var limit: Int
    var streams: [StreamInfo]?
}

struct ConsumerListResponse: Decodable {
    var total: Int
    var offset: Int
    var limit: Int
    var consumers: [ConsumerInfo]?
}

struct StoredMessageResponse: Decodable {
    struct Message: Decodable {
        var subject: String
        var seq: UInt64
        var hdrs: String?
        var data: String?
        var time: String
    }
    var message: Message
}

struct AccountInfoResponse: Decodable {
    var streams: Int?
    var consumers: Int?
}
