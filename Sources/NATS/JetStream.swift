import Glibc
import EventLog
import Foundation

/// The `$JS.API` request-reply JSON API over one connection, with errors mapped to what a user
/// can act on: JetStream disabled (nobody answers `$JS.API.*`), stream or consumer not found,
/// and the server's own description for the rest.
///
/// During a cluster failover the API answers 503 or not at all for a few seconds while Raft elects
/// a leader; requests are retried until `retryForMs` has passed, so reads carry on through it.
public final class JetStream: @unchecked Sendable {
    public let connection: NATSConnection
    public var retryForMs = 15_000
    /// Set by benchmarks to see where request time goes.
    public var profile: RequestProfile?
    static let apiPrefix = "$JS.API."

    public init(connection: NATSConnection) {
        self.connection = connection
    }

    // MARK: The API call

    func call<T: Decodable>(_ endpoint: String, _ body: [UInt8] = [], as: T.Type, stream: String? = nil) throws -> T {
        let deadline = MonotonicClock.milliseconds() + Int64(retryForMs)
        while true {
            do {
                let sent = MonotonicClock.nanoseconds()
                let reply = try connection.request(Self.apiPrefix + endpoint, payload: body, timeoutMs: 2_000)
                let received = MonotonicClock.nanoseconds()
                defer {
                    profile?.record(endpoint.split(separator: ".").prefix(2).joined(separator: "."), requests: 1,
                                    wireMs: Double(received - sent) / 1e6, decodeMs: RequestProfile.milliseconds(since: received))
                }
                return try decode(reply.payload, as: T.self, endpoint: endpoint, stream: stream)
            } catch let error as NATSError where Self.isTransient(error) && MonotonicClock.milliseconds() < deadline {
                usleep(100_000)
            } catch let error as NATSError where error.code == .noResponders {
                throw NATSError(.jetStreamDisabled, "JetStream is not enabled on this server or account (nothing answers $JS.API; start nats-server with -js)",
                                target: connection.url.description)
            }
        }
    }

    static func isTransient(_ error: NATSError) -> Bool {
        switch error.code {
        case .timeout, .unreachable: return true
        case .api: return error.message.contains("(503") // leader not yet elected, cluster busy
        default: return false
        }
    }

    private func decode<T: Decodable>(_ payload: [UInt8], as: T.Type, endpoint: String, stream: String?) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let data = Data(payload)
        // Decoding the envelope costs as much as the reply itself (a message get's payload is
        // base64 inside it): only a reply that names an error gets it.
        if Self.mentionsError(payload), let envelope = try? decoder.decode(APIErrorEnvelope.self, from: data), let error = envelope.error {
            throw mapped(error, stream: stream)
        }
        do {
            return try decoder.decode(T.self, from: data)
        } catch {
            throw NATSError(.protocolViolation, "unexpected reply to $JS.API.\(endpoint): \(String(decoding: payload.prefix(200), as: UTF8.self))",
                            target: connection.url.description)
        }
    }

    /// Whether `"error"` occurs in the reply: JSON escapes quotes inside strings, so a reply
    /// without it has no error member.
    static func mentionsError(_ payload: [UInt8]) -> Bool {
        let key = Array("\"error\"".utf8)
        guard payload.count >= key.count else { return false }
        return (0...(payload.count - key.count)).contains { start in payload[start] == key[0] && payload[start..<(start + key.count)].elementsEqual(key) }
    }

    private func mapped(_ error: APIError, stream: String?) -> NATSError {
        let target = stream.map { "\(connection.url.description) stream \($0)" } ?? connection.url.description
        let text = error.description ?? "error"
        switch error.errCode {
        case 10059: return NATSError(.streamNotFound, "stream not found", target: target)
        case 10014: return NATSError(.consumerNotFound, "consumer not found", target: target)
        case 10039: return NATSError(.jetStreamDisabled, "JetStream is not enabled for this account", target: target)
        default: return NATSError(.api, "\(text) (\(error.code), err_code \(error.errCode ?? 0))", target: target)
        }
    }

    private static func json<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return Array((try? encoder.encode(value)) ?? Data())
    }

    // MARK: Account and streams

    /// Fails with `.jetStreamDisabled` when the server has no JetStream.
    public func checkEnabled() throws {
        _ = try call("INFO", as: AccountInfoResponse.self)
    }

    public func streamNames() throws -> [String] {
        var names: [String] = []
        while names.count < NATSLimits.streamsListedMax {
            let page = try call("STREAM.NAMES", Self.json(["offset": names.count]), as: StreamNamesResponse.self)
            let streams = page.streams ?? []
            names += streams
            if streams.isEmpty || names.count >= page.total { break }
        }
        return names.sorted()
    }

    public func streams() throws -> [StreamInfo] {
        var infos: [StreamInfo] = []
        while infos.count < NATSLimits.streamsListedMax {
            let page = try call("STREAM.LIST", Self.json(["offset": infos.count]), as: StreamListResponse.self)
            let streams = page.streams ?? []
            infos += streams
            if streams.isEmpty || infos.count >= page.total { break }
        }
        return infos.sorted { $0.config.name < $1.config.name }
    }

    public func streamInfo(_ name: String) throws -> StreamInfo {
        try call("STREAM.INFO.\(name)", as: StreamInfo.self, stream: name)
    }

    @discardableResult
    public func createStream(_ config: StreamConfig) throws -> StreamInfo {
        try call("STREAM.CREATE.\(config.name)", Self.json(config), as: StreamInfo.self, stream: config.name)
    }

    public func deleteStream(_ name: String) throws {
        struct Deleted: Decodable { var success: Bool }
        _ = try call("STREAM.DELETE.\(name)", as: Deleted.self, stream: name)
    }

    /// The stored message at `sequence`; nil when it was deleted or is past the end.
    public func message(_ stream: String, sequence: UInt64) throws -> JetStreamMessage? {
        do {
            let reply = try call("STREAM.MSG.GET.\(stream)", Self.json(["seq": sequence]), as: StoredMessageResponse.self, stream: stream)
            return try JetStreamMessage(stored: reply.message)
        } catch let error as NATSError where error.code == .api && error.message.contains("10037") {
            return nil // no message found
        }
    }

    /// Direct gets of `sequences` pipelined in one round trip; nil where a message is deleted.
    /// A reply missing in time (a failover) falls back to one retried request per sequence.
    public func messages(_ stream: String, sequences: [UInt64]) throws -> [JetStreamMessage?] {
        let subject = Self.apiPrefix + "STREAM.MSG.GET.\(stream)"
        let replies: [NATSMessage]
        let sent = MonotonicClock.nanoseconds()
        do {
            replies = try connection.requestMany(Array(repeating: subject, count: sequences.count),
                                                 payloads: sequences.map { Array("{\"seq\":\($0)}".utf8) }, timeoutMs: 2_000)
        } catch let error as NATSError where Self.isTransient(error) {
            return try sequences.map { try message(stream, sequence: $0) }
        }
        let received = MonotonicClock.nanoseconds()
        defer { profile?.record("STREAM.MSG.GET", requests: sequences.count, wireMs: Double(received - sent) / 1e6, decodeMs: RequestProfile.milliseconds(since: received)) }
        return try replies.map { reply in
            do {
                return try JetStreamMessage(stored: try decode(reply.payload, as: StoredMessageResponse.self, endpoint: "STREAM.MSG.GET", stream: stream).message)
            } catch let error as NATSError where error.code == .api && error.message.contains("10037") {
                return nil
            }
        }
    }

    /// Direct gets of `sequences` pipelined in one round trip, for a stream with `allow_direct`;
    /// nil where a message is deleted. The server answers `$JS.API.DIRECT.GET.<stream>` with the
    /// stored message itself (a few headers added) where STREAM.MSG.GET wraps it in JSON with the
    /// payload in base64, which the API's own queue serializes and we must decode; any replica
    /// answers. On a stream without `allow_direct` nobody answers: callers check the config.
    public func directMessages(_ stream: String, sequences: [UInt64]) throws -> [JetStreamMessage?] {
        let subject = Self.apiPrefix + "DIRECT.GET.\(stream)"
        let deadline = MonotonicClock.milliseconds() + Int64(retryForMs)
        while true {
            let sent = MonotonicClock.nanoseconds()
            do {
                let replies = try connection.requestMany(Array(repeating: subject, count: sequences.count),
                                                         payloads: sequences.map { Array("{\"seq\":\($0)}".utf8) }, timeoutMs: 2_000)
                let received = MonotonicClock.nanoseconds()
                defer { profile?.record("DIRECT.GET", requests: sequences.count, wireMs: Double(received - sent) / 1e6, decodeMs: RequestProfile.milliseconds(since: received)) }
                return try replies.map { try JetStreamMessage(direct: $0, stream: stream) }
            } catch let error as NATSError where Self.isTransient(error) && MonotonicClock.milliseconds() < deadline {
                usleep(100_000) // a failover: the replicas answer again once one leads
            }
        }
    }

    /// The first stored message at or after `time` (its stored time) and the messages after it,
    /// `batch` in all at most, found by the server: nats-server 2.11 and later take `start_time`
    /// in a get and find its block from the time bounds each block keeps in memory, so a seek
    /// loads one message block, the one the answer is in. A search of our own loads a block per
    /// probe round that lands in one not cached. Direct (`allow_direct`): one request answered
    /// with the whole batch, ended by a `204 EOB` status; else STREAM.MSG.GET, the first message
    /// only. Empty when no message is that late. Callers check the version (`supportsGetByTime`):
    /// older servers ignore the field and refuse the get as empty.
    public func messages(_ stream: String, atOrAfter time: Timestamp, batch: Int, direct: Bool) throws -> [JetStreamMessage] {
        let startTime = RFC3339.format(time)
        guard direct else {
            do { // `call` profiles it
                let reply = try call("STREAM.MSG.GET.\(stream)", Array("{\"start_time\":\"\(startTime)\"}".utf8), as: StoredMessageResponse.self, stream: stream)
                return [try JetStreamMessage(stored: reply.message)]
            } catch let error as NATSError where error.code == .api && error.message.contains("10037") {
                return []
            }
        }
        let inbox = connection.newInbox()
        let subscription = try connection.subscribe(inbox)
        defer { connection.unsubscribe(subscription) }
        let sent = MonotonicClock.nanoseconds()
        try connection.publish(Self.apiPrefix + "DIRECT.GET.\(stream)", payload: Array("{\"start_time\":\"\(startTime)\",\"batch\":\(max(1, batch))}".utf8), replyTo: inbox)
        var found: [JetStreamMessage] = []
        let deadline = MonotonicClock.milliseconds() + 2_000
        while found.count < batch {
            let left = deadline - MonotonicClock.milliseconds()
            guard left > 0, let reply = try subscription.next(timeoutMs: Int(left)) else {
                throw NATSError(.timeout, "direct get by time of stream \(stream): \(found.count) of up to \(batch) messages and no end of batch within 2000 ms", target: connection.url.description)
            }
            if reply.status == 204 || reply.status == 404 { break } // end of the batch; nothing that late
            guard let message = try JetStreamMessage(direct: reply, stream: stream) else { break }
            found.append(message)
        }
        profile?.record("DIRECT.GET start_time", requests: 1, wireMs: Double(MonotonicClock.nanoseconds() - sent) / 1e6, decodeMs: 0)
        return found
    }

    /// Whether the server connected to finds messages by time in a get (`start_time`, 2.11+).
    public var supportsGetByTime: Bool { connection.info?.isAtLeast(major: 2, minor: 11) ?? false }

    // MARK: Consumers

    public func createConsumer(_ stream: String, _ config: ConsumerConfig) throws -> ConsumerInfo {
        struct Request: Encodable {
            var streamName: String
            var config: ConsumerConfig
        }
        let endpoint = config.durableName.map { "CONSUMER.DURABLE.CREATE.\(stream).\($0)" } ?? "CONSUMER.CREATE.\(stream)"
        return try call(endpoint, Self.json(Request(streamName: stream, config: config)), as: ConsumerInfo.self, stream: stream)
    }

    /// Deletes without waiting for the answer: ephemeral consumers also expire on their own.
    public func deleteConsumerQuietly(_ stream: String, _ name: String) {
        try? connection.publish(Self.apiPrefix + "CONSUMER.DELETE.\(stream).\(name)", payload: [])
    }

    /// Every consumer of `stream`; durable ones are what Rewind shows as consumer groups.
    public func consumers(_ stream: String) throws -> [ConsumerInfo] {
        var infos: [ConsumerInfo] = []
        while infos.count < NATSLimits.streamsListedMax {
            let page = try call("CONSUMER.LIST.\(stream)", Self.json(["offset": infos.count]), as: ConsumerListResponse.self, stream: stream)
            let consumers = page.consumers ?? []
            infos += consumers
            if consumers.isEmpty || infos.count >= page.total { break }
        }
        return infos
    }

    /// The first sequence stored at or after `time` (one past the last when none is): an ephemeral
    /// consumer with deliver policy by_start_time positions itself there on creation, and reports
    /// that as `delivered.stream_seq + 1`, without a message being sent.
    public func sequence(forTime time: Timestamp, in stream: String) throws -> UInt64 {
        var config = ConsumerConfig()
        config.deliverPolicy = "by_start_time"
        config.optStartTime = RFC3339.format(time)
        config.ackPolicy = "none"
        config.inactiveThreshold = 5_000_000_000
        config.memStorage = true
        config.numReplicas = 1
        let info = try createConsumer(stream, config)
        deleteConsumerQuietly(stream, info.name)
        return info.delivered.streamSeq + 1
    }
}
