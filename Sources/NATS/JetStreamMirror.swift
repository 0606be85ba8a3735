import EventLog
import Foundation

/// Publishes an embedded topic into a stream, acknowledged, exactly once.
///
/// Order: partitions are merged by (timestamp, partition, offset), the order every view folds in,
/// so a view over the stream sees the events in the order it would over the topic.
///
/// Exactly once: each message carries `Nats-Msg-Id: <topic>/<partition>/<offset>`; JetStream drops
/// a second copy with the same id inside the stream's duplicate window (2 minutes by default).
/// Within a run, an unacknowledged publish is re-sent after `ackTimeoutMs` (a cluster member
/// died, a leader election answered 503): the window makes the re-send harmless. A re-run
/// resumes after the stream's last message of this topic, re-sending the `windowMessages` events
/// before it (they may have been in flight when the last run died); dedupe drops those that had
/// arrived.
///
/// Throughput: up to `windowMessages` publishes in flight, written in groups of `writeMessages`
/// per socket write; acks come back on one wildcard inbox subscription.
public final class JetStreamMirror {
    public struct Report: Sendable {
        public var published = 0
        public var duplicates = 0
        public var resent = 0
        public var skipped = 0
        public var seconds = 0.0
    }

    let jetStream: JetStream
    public let stream: String
    public let subjectPrefix: String
    public var windowMessages = 2048
    public var writeMessages = 256
    public var ackTimeoutMs = 2_000
    /// Called after each acknowledged group: tests kill servers mid-way through this.
    public var progress: ((Int) -> Void)?

    public init(jetStream: JetStream, stream: String, subjectPrefix: String) {
        self.jetStream = jetStream
        self.stream = stream
        self.subjectPrefix = subjectPrefix
    }

    /// Creates the stream (subjects `<prefix>` and `<prefix>.>`) unless it exists.
    public func createStreamIfMissing(replicas: Int) throws {
        do {
            _ = try jetStream.streamInfo(stream)
        } catch let error as NATSError where error.code == .streamNotFound {
            // allow_direct: seeks and short reads then skip the JSON API (JetStreamSource).
            try jetStream.createStream(StreamConfig(name: stream, subjects: [subjectPrefix, subjectPrefix + ".>"], replicas: replicas, allowDirect: true))
        }
    }

    /// The subject an event's key maps to: `<prefix>.<key>`, bytes outside printable ASCII and
    /// the subject metacharacters (space . * > %) percent-encoded; keyless events go to `<prefix>`.
    public static func subject(prefix: String, key: [UInt8]?) -> String {
        guard let key, !key.isEmpty else { return prefix }
        var token = ""
        for byte in key {
            if byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "."), byte != UInt8(ascii: "*"), byte != UInt8(ascii: ">"), byte != UInt8(ascii: "%") {
                token.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                token += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return prefix + "." + token
    }

    public static func messageID(_ partition: TopicPartition, _ offset: Offset) -> String {
        "\(partition.topic)/\(partition.partition)/\(offset.rawValue)"
    }

    static let originalTimeHeader = "Rewind-Timestamp"

    public func mirror(log: EventLog, topic: String, now: () -> Double) throws -> Report {
        let started = now()
        var report = Report()
        let partitions = try log.partitions(of: topic)
        let merged = MergedCursor(partitions.map { PartitionCursor(partition: $0, from: $0.startOffset) })
        let backlog = try resumeBacklog(merged, topic: topic, report: &report)
        var backlogIndex = 0
        let ackBase = jetStream.connection.newInbox()
        let acks = try jetStream.connection.subscribe(ackBase + ".*")
        defer { jetStream.connection.unsubscribe(acks) }
        var inFlight: [Int: [UInt8]] = [:]
        var nextIndex = 0
        var lastAckAt = now()
        // Refusals (503 while a stream leader is elected) back off 100 ms, doubling to 1.6 s, so
        // an election of a few seconds costs a few re-sends of the window, not dozens.
        var refusalBackoffMs = 100
        var exhausted = false
        var outgoing: [UInt8] = []
        var outgoingCount = 0
        while true {
            // Fill the window.
            while inFlight.count < windowMessages {
                let next: (TopicPartition, Record)?
                if backlogIndex < backlog.count {
                    next = backlog[backlogIndex]
                    backlogIndex += 1
                } else if exhausted { next = nil } else { next = try merged.next() }
                guard let (partition, record) = next else {
                    exhausted = true
                    break
                }
                var encoded: [UInt8] = []
                try NATSConnection.appendPublish(Self.subject(prefix: subjectPrefix, key: record.key), payload: record.value ?? [],
                                                 headers: try headers(partition, record), replyTo: "\(ackBase).\(nextIndex)", to: &encoded)
                inFlight[nextIndex] = encoded
                nextIndex += 1
                outgoing += encoded
                outgoingCount += 1
                if outgoingCount >= writeMessages {
                    try jetStream.connection.sendRaw(outgoing)
                    outgoing.removeAll(keepingCapacity: true)
                    outgoingCount = 0
                }
            }
            if outgoingCount > 0 {
                try jetStream.connection.sendRaw(outgoing)
                outgoing.removeAll(keepingCapacity: true)
                outgoingCount = 0
            }
            if inFlight.isEmpty && exhausted { break }
            // Take the acks that are there; wait for one only when nothing else can be done.
            let mustWait = inFlight.count >= windowMessages || exhausted
            var retry: [Int] = []
            var acked = 0
            if let first = try acks.next(timeoutMs: mustWait ? ackTimeoutMs : 0) {
                var message: NATSMessage? = first
                while let current = message {
                    handle(current, inFlight: &inFlight, retry: &retry, report: &report, acked: &acked)
                    message = try acks.next(timeoutMs: 0)
                }
                lastAckAt = now()
            }
            if acked > 0 {
                progress?(report.published + report.duplicates)
                refusalBackoffMs = 100
            }
            if !retry.isEmpty || (mustWait && now() - lastAckAt >= Double(ackTimeoutMs) / 1000) {
                // Nothing acknowledged for a while, or the server said no: re-send what is unacknowledged.
                if !retry.isEmpty {
                    usleep(useconds_t(refusalBackoffMs * 1000))
                    refusalBackoffMs = min(refusalBackoffMs * 2, 1_600)
                }
                let indexes = retry.isEmpty ? inFlight.keys.sorted() : retry.sorted()
                for start in stride(from: 0, to: indexes.count, by: writeMessages) {
                    let bytes = indexes[start..<min(start + writeMessages, indexes.count)].flatMap { inFlight[$0] ?? [] }
                    try jetStream.connection.sendRaw(bytes)
                }
                report.resent += indexes.count
                lastAckAt = now()
            }
        }
        report.seconds = now() - started
        return report
    }

    private func handle(_ message: NATSMessage, inFlight: inout [Int: [UInt8]], retry: inout [Int], report: inout Report, acked: inout Int) {
        guard let index = message.subject.split(separator: ".").last.flatMap({ Int($0) }), inFlight[index] != nil else { return }
        if message.status != nil {
            retry.append(index) // 503: no stream leader right now
            return
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let ack = try? decoder.decode(PubAck.self, from: Data(message.payload)) else {
            retry.append(index) // an error reply (e.g. "stream not current" during an election)
            return
        }
        inFlight[index] = nil
        acked += 1
        if ack.duplicate == true { report.duplicates += 1 } else { report.published += 1 }
    }

    private func headers(_ partition: TopicPartition, _ record: Record) throws -> NATSHeaders {
        var fields: [(name: String, value: String)] = [("Nats-Msg-Id", Self.messageID(partition, record.offset)),
                                                        (Self.originalTimeHeader, String(record.timestamp.milliseconds))]
        for header in record.headers {
            let value = header.value.map { String(decoding: $0, as: UTF8.self) } ?? ""
            if let bytes = header.value, Array(value.utf8) != bytes || value.contains("\r") || value.contains("\n") {
                throw NATSError(.invalidArgument, "\(partition)@\(record.offset): header '\(header.key)' is not one line of UTF-8 text, which NATS headers cannot carry")
            }
            fields.append((header.key, value))
        }
        return NATSHeaders(fields: fields)
    }

    /// Events to publish before continuing with `merged`: after a previous run, the stream's last
    /// message names where it got to; skip to there, keeping the `windowMessages` before it.
    private func resumeBacklog(_ merged: MergedCursor, topic: String, report: inout Report) throws -> [(TopicPartition, Record)] {
        let state = try jetStream.streamInfo(stream).state
        guard state.messages > 0, let last = try jetStream.message(stream, sequence: state.lastSeq),
              let id = last.headers?["Nats-Msg-Id"] else { return [] }
        let parts = id.split(separator: "/")
        guard parts.count >= 3, parts.dropLast(2).joined(separator: "/") == topic,
              let partition = Int32(parts[parts.count - 2]), let offset = Int64(parts[parts.count - 1]) else { return [] }
        var recent: [(TopicPartition, Record)] = []
        var seen = 0
        while let next = try merged.next() {
            recent.append(next)
            seen += 1
            // Trim in halves: amortised O(1) per skipped event.
            if recent.count >= 2 * windowMessages { recent.removeFirst(recent.count - windowMessages) }
            if next.partition.partition == partition && next.record.offset.rawValue == offset {
                let kept = Array(recent.suffix(windowMessages))
                report.skipped = seen - kept.count
                return kept
            }
        }
        // Not found: the topic is not the one mirrored before (re-created, trimmed by retention).
        throw NATSError(.invalidArgument, "the stream's last message \(id) is not in topic '\(topic)' any more; mirror into a new stream", target: "stream \(stream)")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
