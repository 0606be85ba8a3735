import Glibc
import EventLog

/// JetStream behind Rewind's read path (`LogSource`): a stream is a topic with one partition,
/// the stream sequence is the offset, the subject is the key, the stored time is the timestamp
/// (a LogAppendTime: JetStream stamps messages itself), NATS headers are record headers.
///
/// Costs: reading forward reuses one pull consumer while reads continue where the last ended;
/// a read elsewhere of a few records uses pipelined gets of single messages (DIRECT.GET on an
/// allow_direct stream, else STREAM.MSG.GET), a longer one a new consumer. A seek by time is an
/// interpolation search of those gets (TimeSeek) whose last round brings the page after it.
/// Not thread-safe: one thread at a time (the explorer hands it to its follower thread whole).
/// Summaries, topic details and durable consumers as groups: JetStreamSource+Details.swift.
public final class JetStreamSource: LogSource, @unchecked Sendable {
    public let url: NATSURL
    public let connection: NATSConnection
    public let jetStream: JetStream
    private var readers: [String: JetStreamReader] = [:]
    /// Reads of at most this many records jump with pipelined direct gets (one round trip)
    /// instead of a new consumer (three round trips and a consumer the server must set up).
    static var directGetRecordsMax: Int { 100 }

    public init(url: NATSURL, options: NATSConnection.Options = NATSConnection.Options()) throws {
        self.url = url
        connection = try NATSConnection(url: url, options: options)
        jetStream = JetStream(connection: connection)
        do {
            try jetStream.checkEnabled()
            if let stream = url.stream { _ = try jetStream.streamInfo(stream) }
        } catch {
            connection.close()
            throw error
        }
    }

    public var location: String { url.description }

    public func close() {
        for reader in readers.values { reader.close() }
        readers = [:]
        connection.close()
    }

    /// The URL's stream when it names one, else every stream.
    public func topicNames() throws -> [String] {
        if let stream = url.stream { return [stream] }
        return try jetStream.streamNames()
    }

    public func partitionNumbers(of topic: String) throws -> [Int32] {
        _ = try jetStream.streamInfo(topic)
        return [0]
    }

    public func startOffset(of partition: TopicPartition) throws -> Offset {
        let state = try jetStream.streamInfo(try stream(partition)).state
        return Offset(Int64(state.messages == 0 ? state.lastSeq + 1 : state.firstSeq))
    }

    public func endOffset(of partition: TopicPartition) throws -> Offset {
        Offset(Int64(try jetStream.streamInfo(try stream(partition)).state.lastSeq + 1))
    }

    public func read(_ partition: TopicPartition, from start: Offset, maxRecords: Int) throws -> [Record] {
        let stream = try stream(partition)
        guard maxRecords > 0 else { return [] }
        let first = UInt64(max(1, start.rawValue))
        let probed = lastProbed
        lastProbed = nil
        if let reader = readers[stream], reader.nextSequence == first {
            return try reader.fetch(maxMessages: maxRecords).map(\.record)
        }
        if maxRecords <= Self.directGetRecordsMax {
            return try directRead(stream, from: first, maxRecords: maxRecords, probed: probed?.stream == stream ? probed : nil)
        }
        readers[stream]?.close()
        let reader = JetStreamReader(jetStream: jetStream, stream: stream, from: first)
        readers[stream] = reader
        return try reader.fetch(maxMessages: maxRecords).map(\.record)
    }

    /// Pipelined direct gets, skipping deleted sequences; bounded: after 4 rounds (a long run of
    /// deleted messages) the rest comes through a consumer. The messages the seek just before
    /// fetched are used as they are: its last round asked for the page after its answer too.
    private func directRead(_ stream: String, from first: UInt64, maxRecords: Int, probed: ProbedMessages?) throws -> [Record] {
        var records: [Record] = []
        var sequence = first
        if let probed {
            while records.count < maxRecords, sequence <= probed.lastSeq, let message = probed.messages[sequence] {
                if let message { records.append(message.record) }
                sequence += 1
            }
            if records.count == maxRecords || sequence > probed.lastSeq { return records }
        }
        // Right after a seek, its stream info still says where the stream ends.
        let (last, direct) = try probed.map { ($0.lastSeq, $0.direct) } ?? {
            let info = try jetStream.streamInfo(stream)
            return (info.state.lastSeq, info.config.allowDirect == true)
        }()
        for _ in 0..<4 where records.count < maxRecords && sequence <= last {
            let count = UInt64(min(maxRecords - records.count, Self.directGetRecordsMax))
            let upTo = min(sequence + count, last + 1)
            records += try messages(stream, Array(sequence..<upTo), direct: direct).compactMap { $0?.record }
            sequence = upTo
        }
        if records.count < maxRecords, sequence <= last {
            let reader = JetStreamReader(jetStream: jetStream, stream: stream, from: sequence)
            readers[stream]?.close()
            readers[stream] = reader
            records += try reader.fetch(maxMessages: maxRecords - records.count).map(\.record)
        }
        return records
    }

    /// `$JS.API.DIRECT.GET` where the stream allows it (no JSON, no base64, no API queue), else
    /// STREAM.MSG.GET.
    private func messages(_ stream: String, _ sequences: [UInt64], direct: Bool) throws -> [JetStreamMessage?] {
        direct ? try jetStream.directMessages(stream, sequences: sequences) : try jetStream.messages(stream, sequences: sequences)
    }

    /// What the last seek's final round fetched, kept for the read that follows it (and only that
    /// one: a stream's stored messages do not change, but whether they are still stored does).
    private struct ProbedMessages {
        var stream: String
        var lastSeq: UInt64
        var direct: Bool
        /// nil values: deleted sequences.
        var messages: [UInt64: JetStreamMessage?]
    }
    private var lastProbed: ProbedMessages?

    /// The first and last messages' times per stream, as of a stream state. Messages never
    /// change and sequences are never reused, so while a stream's first and last sequence and its
    /// message count stay the same (a deletion changes the count) these are the same two
    /// messages: a later seek skips the round trip that reads them.
    private struct EndTimes {
        var firstSeq: UInt64
        var lastSeq: UInt64
        var messages: UInt64
        var ends: TimeSeek.Ends
    }
    private var endTimes: [String: EndTimes] = [:]

    /// By the events' own times for a stream `rewind mirror` wrote (they rise with the sequence:
    /// the mirror publishes in time order), else by stored time (JetStream stamps messages in
    /// order): an interpolation search of pipelined direct gets (TimeSeek), about four round trips
    /// on a million messages where a binary search took twenty and a by_start_time consumer three
    /// plus a consumer the server must set up. Its last round also fetches the page after the
    /// answer, which the next `read` from there uses instead of asking again.
    public func offset(forTimestamp timestamp: Timestamp, in partition: TopicPartition) throws -> Offset {
        let stream = try stream(partition)
        lastProbed = nil
        let info = try jetStream.streamInfo(stream)
        let state = info.state
        guard state.messages > 0 else { return Offset(Int64(state.lastSeq + 1)) }
        let direct = info.config.allowDirect == true
        if let found = try serverTimeSearch(stream, timestamp, state: state, direct: direct) { return found }
        var probed = ProbedMessages(stream: stream, lastSeq: state.lastSeq, direct: direct, messages: [:])
        let seek = TimeSeek(
            probe: { [unowned self] sequences in
                let found = try self.messages(stream, sequences, direct: direct)
                probed.messages = Dictionary(uniqueKeysWithValues: zip(sequences, found))
                return found.map { $0?.eventTime.milliseconds }
            },
            firstStored: { [unowned self] from, last in try self.firstMessage(stream, from: from, last: last, direct: direct).map { ($0.sequence, $0.eventTime.milliseconds) } },
            pageAfter: UInt64(Self.seekPageMessages))
        let known = endTimes[stream].flatMap { cached in
            cached.firstSeq == state.firstSeq && cached.lastSeq == state.lastSeq && cached.messages == state.messages ? cached.ends : nil
        }
        let found = try seek.search(timestamp.milliseconds, first: state.firstSeq, last: state.lastSeq, knownEnds: known)
        endTimes[stream] = EndTimes(firstSeq: state.firstSeq, lastSeq: state.lastSeq, messages: state.messages, ends: found.ends)
        lastSeekRoundTrips = found.roundTrips
        lastProbed = probed
        return Offset(Int64(found.sequence))
    }

    /// Streams whose messages carry their event time (`rewind mirror` wrote them), by the stream's
    /// first sequence when that was learned: the server knows only stored times.
    private var eventTimeStreams: [String: (firstSeq: UInt64, eventTimes: Bool)] = [:]

    /// The seek by stored time done by the server (2.11+, `JetStream.messages(_:atOrAfter:…)`):
    /// one request, one message block loaded, and with `allow_direct` the page after the answer in
    /// the same reply. nil where the server cannot, or the stream's times are event times: then
    /// the interpolation search. Whether a stream holds event times is read off the answer's own
    /// headers (a stream `rewind mirror` wrote has the header on every message), so a stream
    /// costs no extra round trip to classify; a mirrored stream pays one wasted request once.
    private func serverTimeSearch(_ stream: String, _ timestamp: Timestamp, state: StreamState, direct: Bool) throws -> Offset? {
        guard jetStream.supportsGetByTime else { return nil }
        if let known = eventTimeStreams[stream], known.firstSeq == state.firstSeq, known.eventTimes { return nil }
        let found: [JetStreamMessage]
        do {
            found = try jetStream.messages(stream, atOrAfter: timestamp, batch: direct ? Self.seekPageMessages : 1, direct: direct)
        } catch let error as NATSError where JetStream.isTransient(error) {
            return nil // a failover under way: the search's gets retry until a replica answers
        }
        guard let first = found.first else {
            lastSeekRoundTrips = 1
            return Offset(Int64(state.lastSeq + 1))
        }
        let eventTimes = first.headers?[JetStreamMessage.eventTimeHeader] != nil
        eventTimeStreams[stream] = (state.firstSeq, eventTimes)
        if eventTimes { return nil }
        // A batch holds stored messages in order: the sequences between two of them are deleted.
        var messages: [UInt64: JetStreamMessage?] = [:]
        var expected = first.sequence
        for message in found {
            while expected < message.sequence {
                messages[expected] = .some(nil)
                expected += 1
            }
            messages[message.sequence] = message
            expected = message.sequence + 1
        }
        lastProbed = ProbedMessages(stream: stream, lastSeq: max(state.lastSeq, found.last!.sequence), direct: direct, messages: messages)
        lastSeekRoundTrips = 1
        return Offset(Int64(first.sequence))
    }

    /// Messages past a seek's answer fetched with its last round: a page of the explorer's.
    static var seekPageMessages: Int { 50 }

    /// Round trips the last `offset(forTimestamp:in:)` took after its stream info (benchmarks).
    public private(set) var lastSeekRoundTrips = 0

    /// The first stored message at or after `from` (deleted ones skipped), up to `last`.
    private func firstMessage(_ stream: String, from: UInt64, last: UInt64, direct: Bool) throws -> JetStreamMessage? {
        var sequence = from
        while sequence <= last, sequence < from + 64 {
            if let message = try messages(stream, [sequence], direct: direct)[0] { return message }
            sequence += 1
        }
        return sequence <= last ? try JetStreamReader(jetStream: jetStream, stream: stream, from: sequence).fetch(maxMessages: 1).first : nil
    }

    public func waitForRecords(_ partition: TopicPartition, from offset: Offset, timeoutMs: Int) throws -> Bool {
        let stream = try stream(partition)
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs)
        while true {
            if Int64(try jetStream.streamInfo(stream).state.lastSeq) >= offset.rawValue { return true }
            if MonotonicClock.milliseconds() >= deadline { return false }
            usleep(50_000)
        }
    }

    /// Durable consumers: Rewind's consumer groups.
    public func durableConsumers(of stream: String) throws -> [ConsumerInfo] {
        try jetStream.consumers(stream).filter { $0.config.durableName != nil }
    }

    func stream(_ partition: TopicPartition) throws -> String {
        guard partition.partition == 0 else {
            throw EventLogError(.notFound, "stream '\(partition.topic)' has one partition (0), not \(partition.partition)")
        }
        return partition.topic
    }
}
