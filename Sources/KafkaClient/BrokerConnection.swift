import Basics
import KafkaProtocol
import NIOCore
import NIOPosix

/// One TCP connection to one broker with a blocking request/response API, over swift-nio.
///
/// Requests are pipelined: each gets the next correlation id and the caller blocks on a
/// `ConditionLock` until the frame with that id arrives (Kafka answers a connection's requests
/// in order, but matching by id keeps a late answer to a timed-out request from reaching the
/// wrong caller). The event loop only splits frames and files them; callers never wait on it.
///
/// On connect the client asks ApiVersions v3 (flexible); a broker that does not know v3 answers
/// UNSUPPORTED_VERSION in a v0 body listing its range (KIP-511), and the client asks again with the
/// highest version both speak. Every later request uses the negotiated version per API.
///
/// A lost socket fails every request in flight with `.connectionLost`; the cluster drops the
/// connection and dials again on the next request (with backoff).
final class BrokerConnection: @unchecked Sendable {
    struct Options: Sendable {
        var connectTimeoutMs = 3_000
        var requestTimeoutMs = 15_000
        var clientId = "rewind"
    }

    let address: KafkaURL.Address
    let options: Options
    private let lock = ConditionLock()
    private var channel: Channel?
    private var nextCorrelationId: Int32 = 1
    private var waiting: Set<Int32> = []
    private var answers: [Int32: [UInt8]] = [:]
    private var lostReason: String?
    private(set) var brokerVersions: [Int16: ClosedRange<Int16>] = [:]

    var target: String { KafkaURL.scheme + address.description }

    init(address: KafkaURL.Address, options: Options) throws {
        self.address = address
        self.options = options
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(options.connectTimeoutMs)))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [weak self] channel in
                guard let self else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(KafkaResponseDecoder()), KafkaResponseHandler(connection: self)])
                }
            }
        do {
            channel = try bootstrap.connect(host: address.host, port: address.port).wait()
        } catch {
            throw KafkaClientError(.unreachable, Self.describe(error), target: KafkaURL.scheme + address.description)
        }
        do {
            try negotiateVersions()
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        let current: Channel? = lock.withLock {
            if lostReason == nil { lostReason = "closed" }
            lock.broadcast()
            defer { channel = nil }
            return channel
        }
        guard let current else { return }
        if current.eventLoop.inEventLoop { current.close(promise: nil) } else { try? current.close().wait() }
    }

    var isUsable: Bool { lock.withLock { lostReason == nil } }

    /// The version to send `apiKey` at, or `.unsupportedVersion` naming what the client needs.
    func version(of apiKey: Int16) throws -> Int16 {
        guard let version = ClientVersions.negotiate(apiKey, broker: brokerVersions[apiKey]) else {
            throw KafkaClientError(.unsupportedVersion, ClientVersions.unsupported(apiKey), target: target)
        }
        return version
    }

    /// Sends `request` at the negotiated version and decodes the answer.
    func send<Request: KafkaMessage, Response: KafkaMessage>(_ request: Request, _ response: Response.Type,
                                                            extraWaitMs: Int = 0) throws -> (Response, Int16) {
        let version = try self.version(of: Request.apiKey)
        return (try send(request, version: version, response, extraWaitMs: extraWaitMs), version)
    }

    func send<Request: KafkaMessage, Response: KafkaMessage>(_ request: Request, version: Int16, _ response: Response.Type,
                                                            extraWaitMs: Int = 0) throws -> Response {
        let body = try roundTrip(request, version: version, extraWaitMs: extraWaitMs)
        var reader = KafkaReader(body)
        do {
            if RequestFrame.responseHeaderVersion(apiKey: Request.apiKey, apiVersion: version) >= 1 {
                try reader.readTaggedFields { _, _ in }
            }
            let decoded = try Response(from: &reader, version: version)
            try reader.expectEnd()
            return decoded
        } catch {
            close()
            throw KafkaClientError(.protocolViolation, "\(ClientVersions.names[Request.apiKey] ?? "response") v\(version) does not decode: \(error)", target: target)
        }
    }

    /// Writes one request and waits for its frame; returns the bytes after the correlation id.
    private func roundTrip<Request: KafkaMessage>(_ request: Request, version: Int16, extraWaitMs: Int) throws -> [UInt8] {
        var header = RequestHeader()
        header.requestApiKey = Request.apiKey
        header.requestApiVersion = version
        header.clientId = options.clientId
        let (correlationId, current): (Int32, Channel) = try lock.withLock {
            if let lostReason { throw KafkaClientError(.connectionLost, lostReason, target: target) }
            while waiting.count >= KafkaClientLimits.inFlightMax { lock.wait(timeoutMs: 100) }
            let id = nextCorrelationId
            nextCorrelationId = nextCorrelationId == .max ? 1 : nextCorrelationId + 1
            waiting.insert(id)
            return (id, channel!)
        }
        header.correlationId = correlationId
        var writer = KafkaWriter()
        writer.writeInt32(0)
        header.encode(into: &writer, version: Request.isFlexible(version) ? 2 : 1)
        request.encode(into: &writer, version: version)
        var bytes = writer.bytes
        let size = Int32(bytes.count - 4)
        withUnsafeBytes(of: size.bigEndian) { for index in 0..<4 { bytes[index] = $0[index] } }
        current.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        let timeoutMs = options.requestTimeoutMs + extraWaitMs
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs)
        return try lock.withLock {
            defer { waiting.remove(correlationId) }
            while true {
                if let answer = answers.removeValue(forKey: correlationId) { return answer }
                if let lostReason { throw KafkaClientError(.connectionLost, lostReason, target: target) }
                let left = deadline - MonotonicClock.milliseconds()
                if left <= 0 {
                    throw KafkaClientError(.timeout, "no answer to \(ClientVersions.names[Request.apiKey] ?? "request") within \(timeoutMs) ms", target: target)
                }
                lock.wait(timeoutMs: Int(left))
            }
        }
    }

    private func negotiateVersions() throws {
        var request = ApiVersionsRequest()
        request.clientSoftwareName = "rewind"
        request.clientSoftwareVersion = "1.0"
        let newest: Int16 = 3
        let body = try roundTrip(request, version: newest, extraWaitMs: 0)
        var probe = KafkaReader(body)
        let errorCode = (try? probe.readInt16("ErrorCode")) ?? -1
        let answer: ApiVersionsResponse
        if errorCode == KafkaErrorName.unsupportedVersion {
            let listed = try decodeVersions(body, version: 0)
            guard let theirs = listed.apiKeys.first(where: { $0.apiKey == ApiVersionsRequest.apiKey }),
                  let version = ClientVersions.negotiate(ApiVersionsRequest.apiKey, broker: theirs.minVersion...max(theirs.minVersion, theirs.maxVersion)) else {
                throw KafkaClientError(.unsupportedVersion, ClientVersions.unsupported(ApiVersionsRequest.apiKey), target: target)
            }
            answer = try decodeVersions(try roundTrip(request, version: version, extraWaitMs: 0), version: version)
        } else {
            answer = try decodeVersions(body, version: newest)
        }
        guard answer.errorCode == 0 else {
            throw KafkaClientError(.broker, "ApiVersions failed: \(KafkaErrorName.describe(answer.errorCode))", target: target, kafkaErrorCode: answer.errorCode)
        }
        var versions: [Int16: ClosedRange<Int16>] = [:]
        for key in answer.apiKeys where key.minVersion <= key.maxVersion { versions[key.apiKey] = key.minVersion...key.maxVersion }
        brokerVersions = versions
    }

    private func decodeVersions(_ body: [UInt8], version: Int16) throws -> ApiVersionsResponse {
        do {
            return try ApiVersionsResponse.decode(body, version: version)
        } catch {
            throw KafkaClientError(.protocolViolation, "ApiVersions v\(version) answer does not decode (\(error)): is this a Kafka broker?", target: target)
        }
    }

    // MARK: From the event loop

    func received(_ frame: [UInt8]) {
        let id = Int32(bitPattern: UInt32(frame[0]) << 24 | UInt32(frame[1]) << 16 | UInt32(frame[2]) << 8 | UInt32(frame[3]))
        lock.withLock {
            // An answer nobody waits for (its request timed out) is dropped.
            guard waiting.contains(id) else { return }
            answers[id] = Array(frame[4...])
            lock.broadcast()
        }
    }

    func lost(_ reason: String) {
        lock.withLock {
            if lostReason == nil { lostReason = reason }
            lock.broadcast()
        }
    }

    static func describe(_ error: Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        if text.contains("connectTimeout") || text.contains("timed out") { return "connection timed out" }
        if text.contains("resolve") || text.contains("NXDOMAIN") || text.contains("getaddrinfo") { return "cannot resolve host" }
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}
