import Basics
import Foundation
import NIOCore
import NIOPosix

/// A NATS client connection with a blocking API for the CLI and tests, over swift-nio.
///
/// Handshake: TCP connect, the server's INFO, our CONNECT (credentials, `headers` and
/// `no_responders` on so JetStream can answer 503 when it is absent), then PING; the PONG means
/// the server accepted us, `-ERR 'Authorization Violation'` that it did not.
///
/// Reconnect: when the socket drops (a cluster member killed), a thread walks the server list —
/// the user's, then every `connect_urls` the servers advertised — until one completes the
/// handshake, then re-sends every SUB. Messages written while disconnected are lost: requests
/// time out and are retried by their callers; the mirror re-sends unacknowledged publishes (the
/// JetStream dedupe window drops any that did arrive).
///
/// Threads: the event loop parses and dispatches; callers block on `ConditionLock`s, never on the
/// event loop.
public final class NATSConnection: @unchecked Sendable {
    public struct Options: Sendable {
        public var connectTimeoutMs = 2_000
        /// How long a reconnect keeps trying before the connection gives up.
        public var reconnectWaitMs = 30_000
        public var requestTimeoutMs = 5_000
        public var name = "rewind"
        public init() {}
    }

    enum Handshake {
        case waitingInfo
        case waitingPong
        case ready
        case failed(NATSError)
    }

    public let url: NATSURL
    let options: Options
    private let group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let lock = ConditionLock()
    private var channel: Channel?
    private var generation = 0
    private var handshake = Handshake.waitingInfo
    private var servers: [NATSURL.Address]
    public private(set) var info: ServerInfo?
    public private(set) var connectedServer: NATSURL.Address?
    private var subscriptions: [Int: Subscription] = [:]
    private var nextSid = 1
    private var pongs = 0
    private var pingsSent = 0
    private var closed = false
    private var reconnecting = false
    /// Replies to `request`, keyed by the last token of the reply subject: `<inbox>.r.<token>`.
    /// Subjects from `newInbox` live under `<inbox>.s.`, so deliveries there never reach this map.
    private let inbox: String
    private var responseSid: Int?
    private var responses: [String: NATSMessage] = [:]
    private var nextToken = 0
    public private(set) var reconnects = 0
    public private(set) var lastServerError: String?

    /// Connects to the first server of `url` that completes the handshake.
    public init(url: NATSURL, options: Options = Options()) throws {
        self.url = url
        self.options = options
        self.servers = url.servers
        inbox = "_INBOX." + Self.randomToken()
        var lastError: NATSError?
        for server in url.servers {
            do {
                try connect(to: server)
                return
            } catch let error as NATSError {
                if error.code == .authorization { throw error }
                lastError = error
            }
        }
        throw lastError ?? NATSError(.unreachable, "no server to connect to", target: url.description)
    }

    deinit { close() }

    public func close() {
        let current: Channel? = lock.withLock {
            closed = true
            for subscription in subscriptions.values { subscription.end() }
            lock.broadcast()
            return channel
        }
        guard let current else { return }
        // deinit can run on the event loop (NIO drops its last reference there): never wait on it.
        if current.eventLoop.inEventLoop {
            current.close(promise: nil)
        } else {
            try? current.close().wait()
        }
    }

    public var isClosed: Bool { lock.withLock { closed } }

    // MARK: Connecting

    private func connect(to server: NATSURL.Address) throws {
        let target = "nats://\(server)"
        let myGeneration: Int = lock.withLock {
            generation += 1
            handshake = .waitingInfo
            return generation
        }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(options.connectTimeoutMs)))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [weak self] channel in
                guard let self else { return channel.close() }
                return channel.pipeline.addHandler(NATSChannelHandler(connection: self, generation: myGeneration))
            }
        let newChannel: Channel
        do {
            newChannel = try bootstrap.connect(host: server.host, port: server.port).wait()
        } catch {
            throw NATSError(.unreachable, "cannot connect (\(Self.describe(error)))", target: target)
        }
        lock.withLock { channel = newChannel }
        do {
            let serverInfo = try waitForHandshake(.info, target: target)
            try write(connectCommand(serverInfo: serverInfo) + Array("PING\r\n".utf8), to: newChannel)
            _ = try waitForHandshake(.pong, target: target)
        } catch {
            newChannel.close(promise: nil)
            throw error
        }
        lock.withLock {
            connectedServer = server
            handshake = .ready
            lock.broadcast()
        }
    }

    private enum HandshakeStep { case info, pong }

    private func waitForHandshake(_ step: HandshakeStep, target: String) throws -> ServerInfo {
        let deadline = MonotonicClock.milliseconds() + Int64(options.connectTimeoutMs)
        return try lock.withLock {
            while true {
                switch handshake {
                case let .failed(error): throw error
                case .waitingPong where step == .info, .ready: return info!
                // nothing yet
                case .waitingInfo, .waitingPong: break
                }
                let left = deadline - MonotonicClock.milliseconds()
                if left <= 0 { throw NATSError(.unreachable, "no \(step == .info ? "INFO" : "PONG") within \(options.connectTimeoutMs) ms", target: target) }
                lock.wait(timeoutMs: Int(left))
            }
        }
    }

    private func connectCommand(serverInfo: ServerInfo) throws -> [UInt8] {
        var fields: [String: Any] = ["verbose": false, "pedantic": false, "tls_required": false, "name": options.name, "lang": "swift",
                                     "version": "0.1.0", "protocol": 1, "headers": true, "no_responders": true, "echo": true]
        if let user = url.user { fields["user"] = user }
        if let password = url.password { fields["pass"] = password }
        if let token = url.token { fields["auth_token"] = token }
        let json = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return Array("CONNECT ".utf8) + Array(json) + [0x0D, 0x0A]
    }

    // MARK: Events from the channel (event loop thread)

    func received(_ operation: ServerOperation, generation from: Int, channel source: Channel) {
        switch operation {
        case let .info(json):
            guard let decoded = try? ServerInfo.decode(json) else { return fail(NATSError(.protocolViolation, "bad INFO"), generation: from) }
            lock.withLock {
                guard from == generation else { return }
                info = decoded
                for text in decoded.connectUrls ?? [] {
                    if let address = try? NATSURL.address(text, in: text), !servers.contains(address), servers.count < NATSLimits.serversMax {
                        servers.append(address)
                    }
                }
                if case .waitingInfo = handshake { handshake = .waitingPong }
                lock.broadcast()
            }
        case .ping:
            source.writeAndFlush(ByteBuffer(string: "PONG\r\n"), promise: nil)
        case .pong:
            lock.withLock {
                if from == generation, case .waitingPong = handshake { handshake = .ready }
                pongs += 1
                lock.broadcast()
            }
        case .ok:
            break
        case let .error(text):
            let lower = text.lowercased()
            let isAuth = lower.contains("authorization") || lower.contains("authentication")
            lock.withLock {
                lastServerError = text
                if case .ready = handshake {} else if from == generation {
                    handshake = .failed(NATSError(isAuth ? .authorization : .protocolViolation,
                                                  isAuth ? "authorization failed: the server refused the user/password or token (\(text))" : "server error: \(text)",
                                                  target: "nats://\(connectedServer.map(\.description) ?? "server")"))
                }
                lock.broadcast()
            }
        case let .message(message):
            deliver(message, channel: source)
        }
    }

    private func deliver(_ message: NATSMessage, channel source: Channel) {
        let subscription: Subscription? = lock.withLock {
            if message.sid == responseSid {
                let token = message.subject.split(separator: ".").last.map(String.init) ?? ""
                responses[token] = message
                lock.broadcast()
                return nil
            }
            return subscriptions[message.sid]
        }
        guard let subscription else { return }
        if subscription.answersFlowControl, message.status == 100, let reply = message.replyTo {
            source.writeAndFlush(ByteBuffer(string: "PUB \(reply) 0\r\n\r\n"), promise: nil)
            subscription.countFlowControlReply()
            return
        }
        subscription.deliver(message)
    }

    func fail(_ error: NATSError, generation from: Int) {
        lock.withLock {
            guard from == generation else { return }
            lastServerError = error.message
            if case .ready = handshake {} else { handshake = .failed(error) }
            lock.broadcast()
        }
    }

    /// The socket closed: unless we closed it, start reconnecting.
    func channelClosed(generation from: Int) {
        let start: Bool = lock.withLock {
            guard from == generation, !closed else { return false }
            if case .ready = handshake {
                channel = nil
                handshake = .failed(NATSError(.unreachable, "connection lost", target: "nats://\(connectedServer.map(\.description) ?? "")"))
                lock.broadcast()
                guard !reconnecting else { return false }
                reconnecting = true
                return true
            }
            // Keep the reason the server gave (-ERR 'Authorization Violation' comes just before the close).
            if case .failed = handshake {} else {
                handshake = .failed(NATSError(.unreachable, "connection closed during the handshake", target: url.description))
            }
            lock.broadcast()
            return false
        }
        if start { Thread.detachNewThread { [self] in reconnect() } }
    }

    private func reconnect() {
        let deadline = MonotonicClock.milliseconds() + Int64(options.reconnectWaitMs)
        while MonotonicClock.milliseconds() < deadline, !isClosed {
            let candidates = lock.withLock { servers }
            for server in candidates where !isClosed {
                do {
                    try connect(to: server)
                    try resubscribe()
                    lock.withLock {
                        reconnects += 1
                        reconnecting = false
                        lock.broadcast()
                    }
                    return
                } catch {
                    continue
                }
            }
            usleep(200_000)
        }
        lock.withLock {
            reconnecting = false
            closed = true
            for subscription in subscriptions.values { subscription.end() }
            lock.broadcast()
        }
    }

    private func resubscribe() throws {
        let lines: [UInt8] = lock.withLock {
            var out: [UInt8] = []
            if let responseSid { out += Array("SUB \(inbox).r.* \(responseSid)\r\n".utf8) }
            for subscription in subscriptions.values.sorted(by: { $0.sid < $1.sid }) {
                out += Array("SUB \(subscription.subject) \(subscription.sid)\r\n".utf8)
            }
            return out
        }
        if !lines.isEmpty { try send(lines) }
    }

    // MARK: Sending

    /// Writes bytes once connected (waiting through a reconnect); does not wait for the socket.
    func send(_ bytes: [UInt8]) throws {
        let current = try readyChannel()
        try write(bytes, to: current)
    }

    private func write(_ bytes: [UInt8], to channel: Channel) throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func readyChannel() throws -> Channel {
        let deadline = MonotonicClock.milliseconds() + Int64(options.reconnectWaitMs)
        return try lock.withLock {
            while true {
                if closed { throw NATSError(.closed, "connection closed", target: url.description) }
                if case .ready = handshake, let channel { return channel }
                let left = deadline - MonotonicClock.milliseconds()
                if left <= 0 { throw NATSError(.unreachable, "no server reachable for \(options.reconnectWaitMs) ms", target: url.description) }
                lock.wait(timeoutMs: Int(min(left, 1000)))
            }
        }
    }

    /// PUB or HPUB.
    public func publish(_ subject: String, payload: [UInt8], headers: NATSHeaders? = nil, replyTo: String? = nil) throws {
        var out: [UInt8] = []
        try Self.appendPublish(subject, payload: payload, headers: headers, replyTo: replyTo, to: &out)
        try send(out)
    }

    /// Appends one PUB/HPUB to `out`: callers batch many into one write.
    public static func appendPublish(_ subject: String, payload: [UInt8], headers: NATSHeaders?, replyTo: String?, to out: inout [UInt8]) throws {
        guard Self.isValidSubject(subject) else { throw NATSError(.invalidArgument, "'\(subject)' is not a subject to publish to") }
        let reply = replyTo.map { " " + $0 } ?? ""
        if let headers {
            let block = try headers.encoded()
            guard block.count + payload.count <= NATSLimits.messageBytesMax else {
                throw NATSError(.invalidArgument, "message of \(block.count + payload.count) bytes exceeds \(NATSLimits.messageBytesMax)")
            }
            out += Array("HPUB \(subject)\(reply) \(block.count) \(block.count + payload.count)\r\n".utf8)
            out += block
        } else {
            guard payload.count <= NATSLimits.messageBytesMax else { throw NATSError(.invalidArgument, "message of \(payload.count) bytes exceeds \(NATSLimits.messageBytesMax)") }
            out += Array("PUB \(subject)\(reply) \(payload.count)\r\n".utf8)
        }
        out += payload
        out += [0x0D, 0x0A]
    }

    /// Writes pre-encoded protocol bytes (from `appendPublish`).
    public func sendRaw(_ bytes: [UInt8]) throws { try send(bytes) }

    public func subscribe(_ subject: String, answersFlowControl: Bool = false) throws -> Subscription {
        let subscription: Subscription = lock.withLock {
            let sid = nextSid
            nextSid += 1
            let created = Subscription(subject: subject, sid: sid, answersFlowControl: answersFlowControl)
            subscriptions[sid] = created
            return created
        }
        try send(Array("SUB \(subject) \(subscription.sid)\r\n".utf8))
        return subscription
    }

    public func unsubscribe(_ subscription: Subscription) {
        _ = lock.withLock { subscriptions.removeValue(forKey: subscription.sid) }
        subscription.end()
        try? send(Array("UNSUB \(subscription.sid)\r\n".utf8))
    }

    /// Round trip to the server: every write before it has been processed when it returns.
    public func flush(timeoutMs: Int? = nil) throws {
        let target: Int = lock.withLock {
            pingsSent += 1
            return pongs + 1
        }
        try send(Array("PING\r\n".utf8))
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs ?? options.requestTimeoutMs)
        try lock.withLock {
            while pongs < target {
                if closed { throw NATSError(.closed, "connection closed", target: url.description) }
                let left = deadline - MonotonicClock.milliseconds()
                if left <= 0 { throw NATSError(.timeout, "no PONG within the timeout", target: url.description) }
                lock.wait(timeoutMs: Int(left))
            }
        }
    }

    // MARK: Request-reply

    /// Publishes `payload` with a unique reply subject and waits for the one reply. A 503 status
    /// (nobody subscribed) fails at once as `.noResponders`.
    public func request(_ subject: String, payload: [UInt8], headers: NATSHeaders? = nil, timeoutMs: Int? = nil) throws -> NATSMessage {
        let token: String = lock.withLock {
            nextToken += 1
            return String(nextToken)
        }
        try ensureResponseSubscription()
        try publish(subject, payload: payload, headers: headers, replyTo: "\(inbox).r.\(token)")
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs ?? options.requestTimeoutMs)
        let reply: NATSMessage = try lock.withLock {
            defer { responses[token] = nil }
            while true {
                if let reply = responses[token] { return reply }
                if closed { throw NATSError(.closed, "connection closed", target: url.description) }
                let left = deadline - MonotonicClock.milliseconds()
                if left <= 0 { throw NATSError(.timeout, "no reply to \(subject) within \(timeoutMs ?? options.requestTimeoutMs) ms", target: url.description) }
                lock.wait(timeoutMs: Int(left))
            }
        }
        if reply.status == 503 { throw NATSError(.noResponders, "no responders on \(subject)", target: url.description) }
        return reply
    }

    /// Several requests written at once, replies collected in order: one round trip instead of
    /// one per request (direct gets of a page of messages). Throws `.timeout` when any is missing.
    public func requestMany(_ subjects: [String], payloads: [[UInt8]], timeoutMs: Int? = nil) throws -> [NATSMessage] {
        precondition(subjects.count == payloads.count)
        guard !subjects.isEmpty else { return [] }
        let first: Int = lock.withLock {
            let first = nextToken + 1
            nextToken += subjects.count
            return first
        }
        let tokens = (0..<subjects.count).map { String(first + $0) }
        try ensureResponseSubscription()
        var out: [UInt8] = []
        for (index, subject) in subjects.enumerated() {
            try Self.appendPublish(subject, payload: payloads[index], headers: nil, replyTo: "\(inbox).r.\(tokens[index])", to: &out)
        }
        try send(out)
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs ?? options.requestTimeoutMs)
        return try lock.withLock {
            defer { for token in tokens { responses[token] = nil } }
            while true {
                if tokens.allSatisfy({ responses[$0] != nil }) { return tokens.map { responses[$0]! } }
                if closed { throw NATSError(.closed, "connection closed", target: url.description) }
                let left = deadline - MonotonicClock.milliseconds()
                if left <= 0 { throw NATSError(.timeout, "no reply to \(subjects.count) requests within the timeout", target: url.description) }
                lock.wait(timeoutMs: Int(left))
            }
        }
    }

    private func ensureResponseSubscription() throws {
        let sid: Int? = lock.withLock {
            guard responseSid == nil else { return nil }
            let sid = nextSid
            nextSid += 1
            responseSid = sid
            return sid
        }
        if let sid { try send(Array("SUB \(inbox).r.* \(sid)\r\n".utf8)) }
    }

    /// A fresh subject under this connection's inbox, for push deliveries and pull replies.
    public func newInbox() -> String {
        "\(inbox).s.\(Self.randomToken())"
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 36) + String(generator.next() as UInt32, radix: 36)
    }

    static func isValidSubject(_ subject: String) -> Bool {
        !subject.isEmpty && subject.utf8.count <= 4096 && !subject.utf8.contains { $0 <= 0x20 || $0 == 0x7F }
            && !subject.hasPrefix(".") && !subject.hasSuffix(".") && !subject.contains("..")
    }

    static func describe(_ error: Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        if text.contains("connectTimeout") { return "timed out" }
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}
