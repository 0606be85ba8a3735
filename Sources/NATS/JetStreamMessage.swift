import EventLog
import Foundation

/// A message as JetStream stored it.
public struct JetStreamMessage: Hashable, Sendable {
    public var sequence: UInt64
    public var subject: String
    public var headers: NATSHeaders?
    public var payload: [UInt8]
    /// When the stream stored it, nanoseconds since the epoch.
    public var timeNs: Int64

    public init(sequence: UInt64, subject: String, headers: NATSHeaders?, payload: [UInt8], timeNs: Int64) {
        self.sequence = sequence
        self.subject = subject
        self.headers = headers
        self.payload = payload
        self.timeNs = timeNs
    }

    init(stored: StoredMessageResponse.Message) throws {
        sequence = stored.seq
        subject = stored.subject
        payload = stored.data.flatMap { Data(base64Encoded: $0) }.map { Array($0) } ?? []
        if let hdrs = stored.hdrs, let bytes = Data(base64Encoded: hdrs) {
            headers = try NATSHeaders(parsing: ArraySlice(Array(bytes)))
        } else {
            headers = nil
        }
        guard let time = RFC3339.nanoseconds(stored.time) else { throw NATSError(.protocolViolation, "stored message time '\(stored.time)' is not RFC 3339") }
        timeNs = time
    }

    /// From a reply to `$JS.API.DIRECT.GET.<stream>`: the stored headers and payload as they
    /// were published, with the server's `Nats-Stream`, `Nats-Subject`, `Nats-Sequence` and
    /// `Nats-Time-Stamp` appended after them (which are taken off again, the last of each name, so
    /// the message equals what STREAM.MSG.GET returns); nil for the 404 of a deleted or missing
    /// sequence. A reply without those headers is not a stored message.
    init?(direct message: NATSMessage, stream: String) throws {
        guard var headers = message.headers else {
            throw NATSError(.protocolViolation, "direct get of stream \(stream) replied without headers")
        }
        if message.status == 404 { return nil }
        if let status = message.status {
            throw NATSError(.api, "direct get of stream \(stream) failed: \(status) \(headers.statusDescription)")
        }
        func take(_ name: String) -> String? {
            guard let index = headers.fields.lastIndex(where: { $0.name.caseInsensitiveEquals(name) }) else { return nil }
            return headers.fields.remove(at: index).value
        }
        let time = take("Nats-Time-Stamp"), sequenceText = take("Nats-Sequence"), subject = take("Nats-Subject")
        _ = take("Nats-Stream")
        guard let sequenceText, let sequence = UInt64(sequenceText), let subject, let time, let timeNs = RFC3339.nanoseconds(time) else {
            throw NATSError(.protocolViolation, "direct get of stream \(stream) replied without a sequence, subject and RFC 3339 time in its headers")
        }
        self.sequence = sequence
        self.subject = subject
        self.headers = headers.fields.isEmpty ? nil : headers
        self.payload = message.payload
        self.timeNs = timeNs
    }

    /// From a consumer delivery: sequence and time are in the reply subject,
    /// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time ns>.<pending>`
    /// (or, from 2.10 on, with `<domain>.<account hash>` after ACK and a random token at the end).
    init?(delivered message: NATSMessage) {
        guard let reply = message.replyTo, reply.hasPrefix("$JS.ACK.") else { return nil }
        let tokens = reply.split(separator: ".", omittingEmptySubsequences: false)
        let base: Int
        switch tokens.count {
        case 9: base = 2
        case 11...12: base = 4
        default: return nil
        }
        guard let sequence = UInt64(tokens[base + 3]), let time = Int64(tokens[base + 5]) else { return nil }
        self.sequence = sequence
        self.timeNs = time
        self.subject = message.subject
        self.headers = message.headers
        self.payload = message.payload
    }

    /// Set by `rewind mirror`: the event's own time (Kafka's CreateTime), epoch milliseconds.
    public static let eventTimeHeader = "Rewind-Timestamp"

    /// The event's time: the `Rewind-Timestamp` header when a mirror set it (so a view over the
    /// stream folds with the times of the topic it came from), else the stored time.
    public var eventTime: Timestamp {
        if let text = headers?[Self.eventTimeHeader], let milliseconds = Int64(text) { return Timestamp(milliseconds: milliseconds) }
        return Timestamp(milliseconds: timeNs / 1_000_000)
    }

    /// As a Rewind record: offset = stream sequence, key = subject, time = `eventTime`.
    public var record: Record {
        let headerList = (headers?.fields ?? []).map { Header(key: $0.name, value: Array($0.value.utf8)) }
        var batch = BatchInfo.remote(offset: Offset(Int64(sequence)), sizeInBytes: payload.count)
        if headers?[Self.eventTimeHeader] != nil { batch.timestampType = .createTime }
        return Record(offset: Offset(Int64(sequence)), timestamp: eventTime, key: Array(subject.utf8),
                      value: payload, headers: headerList, batch: batch)
    }
}
