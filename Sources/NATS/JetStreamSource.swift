import Glibc
import EventLog

/// JetStream behind Rewind's read path (`LogSource`): a stream is a topic with one partition,
/// the stream sequence is the offset, the subject is the key, the stored time is the timestamp
/// (a LogAppendTime: JetStream stamps messages itself), NATS headers are record headers.
///
/// Costs: reading forward reuses one pull consumer while reads continue where the last ended;
/// a read elsewhere of a few records uses direct gets (STREAM.MSG.GET), a longer one a new
/// consumer. A seek by time is an interpolation search of pipelined direct gets (TimeSeek).
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
        if let reader = readers[stream], reader.nextSequence == first {
            return try reader.fetch(maxMessages: maxRecords).map(\.record)
        }
        if maxRecords <= Self.directGetRecordsMax {
            return try directRead(stream, from: first, maxRecords: maxRecords)
        }
        readers[stream]?.close()
        let reader = JetStreamReader(jetStream: jetStream, stream: stream, from: first)
        readers[stream] = reader
        return try reader.fetch(maxMessages: maxRecords).map(\.record)
    }

    /// Pipelined direct gets, skipping deleted sequences; bounded: after 4 rounds (a long run of
    /// deleted messages) the rest comes through a consumer.
    private func directRead(_ stream: String, from first: UInt64, maxRecords: Int) throws -> [Record] {
        let last = try jetStream.streamInfo(stream).state.lastSeq
        var records: [Record] = []
        var sequence = first
        for _ in 0..<4 where records.count < maxRecords && sequence <= last {
            let count = UInt64(min(maxRecords - records.count, Self.directGetRecordsMax))
            let upTo = min(sequence + count, last + 1)
            records += try jetStream.messages(stream, sequences: Array(sequence..<upTo)).compactMap { $0?.record }
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

    /// By the events' own times for a stream `rewind mirror` wrote (they rise with the sequence:
    /// the mirror publishes in time order), else by stored time (JetStream stamps messages in
    /// order): an interpolation search of pipelined direct gets (TimeSeek), about four round trips
    /// on a million messages where a binary search took twenty and a by_start_time consumer three
    /// plus a consumer the server must set up.
    public func offset(forTimestamp timestamp: Timestamp, in partition: TopicPartition) throws -> Offset {
        let stream = try stream(partition)
        let state = try jetStream.streamInfo(stream).state
        guard state.messages > 0 else { return Offset(Int64(state.lastSeq + 1)) }
        let jetStream = jetStream
        let seek = TimeSeek(
            probe: { sequences in try jetStream.messages(stream, sequences: sequences).map { $0?.eventTime.milliseconds } },
            firstStored: { [unowned self] from, last in try self.firstMessage(stream, from: from, last: last).map { ($0.sequence, $0.eventTime.milliseconds) } })
        let found = try seek.search(timestamp.milliseconds, first: state.firstSeq, last: state.lastSeq)
        lastSeekRoundTrips = found.roundTrips
        return Offset(Int64(found.sequence))
    }

    /// Round trips the last `offset(forTimestamp:in:)` took after its stream info (benchmarks).
    public private(set) var lastSeekRoundTrips = 0

    /// The first stored message at or after `from` (deleted ones skipped), up to `last`.
    private func firstMessage(_ stream: String, from: UInt64, last: UInt64) throws -> JetStreamMessage? {
        var sequence = from
        while sequence <= last, sequence < from + 64 {
            if let message = try jetStream.message(stream, sequence: sequence) { return message }
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
