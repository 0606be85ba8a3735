/// What a NATS server sends a client.
public enum ServerOperation: Hashable, Sendable {
    case info(json: [UInt8])
    case message(NATSMessage)
    case ping
    case pong
    case ok
    case error(String)
}

/// One delivered message (MSG or HMSG).
public struct NATSMessage: Hashable, Sendable {
    public var subject: String
    public var sid: Int
    public var replyTo: String?
    public var headers: NATSHeaders?
    public var payload: [UInt8]

    public init(subject: String, sid: Int, replyTo: String?, headers: NATSHeaders?, payload: [UInt8]) {
        self.subject = subject
        self.sid = sid
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }

    /// A status message from the server (heartbeat, flow control, no messages, no responders).
    public var status: Int? { payload.isEmpty ? headers?.status : nil }
}
