import ArgumentParser
import Decoding
import EventLog
import Interop
import Glibc

/// Set by SIGINT/SIGTERM so a following consumer stops between events and commits its position.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print events as JSON lines, from any offset or time; optionally as a consumer group.",
        discussion: """
        Partitions are merged by timestamp, then partition, then offset. Without a position the
        group's committed offsets are used, else the start of the log. With --group the next offsets
        are committed when the command ends (and every second while following). Over kafka://,
        --group without --partition joins the group as a member: the group splits the topic's
        partitions among its members and moves them when one joins or leaves.
        """)

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "Topic to read.") var topic: String
    @Flag(help: "Start at the beginning, ignoring committed offsets.") var fromBeginning = false
    @Option(help: "Start at this offset in every partition read ('earliest', 'latest' or a number).") var offset: String?
    @Option(parsing: .unconditional, help: "Start at the first event at or after this time (ISO-8601, -15m, yesterday 14:00, epoch ms).") var at: String?
    @Option(help: "Read only this partition.") var partition: Int32?
    @Option(help: "Consumer group: start from and commit its offsets.") var group: String?
    @Option(help: "Stop after this many events.") var max: Int?
    @Flag(help: "Keep waiting for new events (Ctrl-C to stop).") var follow = false
    @OptionGroup var decoding: DecodeOptions

    func validate() throws {
        let positions = [fromBeginning, offset != nil, at != nil].filter { $0 }.count
        if positions > 1 { throw ValidationError("use only one of --from-beginning, --offset, --at") }
        if let max, max < 0 { throw ValidationError("--max must be ≥ 0") }
    }

    func run() throws {
        let source = try log.openSource()
        defer { source.close() }
        var numbers = try source.partitionNumbers(of: topic)
        if let partition {
            guard numbers.contains(partition) else {
                throw CommandFailure(message: "topic '\(topic)' has no partition \(partition) (it has \(numbers.count))")
            }
            numbers = [partition]
        }
        // Before anything is read: a source that keeps no commits says why here, a Kafka cluster
        // makes this process a member of the group and names its partitions.
        let membership = try group.map { name in try source.joinGroup(name, topic: topic, partitions: partition.map { [$0] }) }
        defer { membership?.leave() }
        let startTime = try at.map { try TimeExpression.parse($0, now: WallClock.now()) }
        let decoders = try decoding.decoders(for: source)
        var merged = try cursors(membership?.assignment ?? numbers.map { TopicPartition(topic: topic, partition: $0) }, in: source,
                                 committed: membership?.committedOffsets() ?? [:], time: startTime, rebalanced: false)
        installStopHandlers()
        // Read once: each read of an argument-parser property looks up generic metadata and
        // copies its parsed value, 5% of a 1M-event consume in perf when done per event.
        let (topicName, limit, following) = (topic, max, follow)
        var printed = 0
        var lastCommit = WallClock.now()
        func commit() throws {
            if let membership, try !membership.commit(merged.positions) {
                Output.note("group '\(membership.group)' is rebalancing: positions not committed, the partitions' next owner reads those events again")
            }
        }
        reading: while limit.map({ printed < $0 }) ?? true, stopRequested == 0 {
            if let membership, membership.needsRejoin {
                // Eager rebalancing: give every partition up (commit), then read what the group gives now.
                try commit()
                let assigned = try membership.rejoin()
                merged = try cursors(assigned, in: source, committed: membership.committedOffsets(), time: startTime, rebalanced: true)
            }
            if let (partition, record) = try merged.next() {
                Output.standard.append { EventJSON.append(topic: topicName, partition: partition.partition, record: record, decoders: decoders, to: &$0) }
                printed += 1
                continue
            }
            guard following else { break reading }
            Output.standard.flush()
            let now = WallClock.now()
            if now.milliseconds - lastCommit.milliseconds >= 1000 {
                try commit()
                lastCommit = now
            }
            for cursor in merged.cursors { _ = try cursor.wait(timeoutMs: 100) }
            usleep(50_000)
        }
        Output.standard.flush()
        try commit()
    }

    /// Where each partition starts: the position options the first time; after a rebalance the
    /// group's commit wins (another member read the partition meanwhile).
    private func cursors(_ partitions: [TopicPartition], in source: LogSource, committed: [TopicPartition: Offset], time: Timestamp?,
                         rebalanced: Bool) throws -> MergedSourceCursor {
        MergedSourceCursor(try partitions.map { partition in
            let start = try rebalanced ? committed[partition].map { Swift.max($0, try source.startOffset(of: partition)) } : nil
            return LogSourceCursor(source: source, partition: partition,
                                   from: try start ?? startOffset(partition, in: source, committed: committed, time: time))
        })
    }

    private func startOffset(_ partition: TopicPartition, in source: LogSource, committed: [TopicPartition: Offset], time: Timestamp?) throws -> Offset {
        let start = try source.startOffset(of: partition)
        let end = try source.endOffset(of: partition)
        if fromBeginning { return start }
        if let time { return try source.offset(forTimestamp: time, in: partition) }
        if let offset {
            switch offset {
            case "earliest": return start
            case "latest": return end
            default:
                guard let value = Int64(offset) else { throw CommandFailure(message: "--offset '\(offset)': expected a number, 'earliest' or 'latest'") }
                guard value >= start.rawValue, value <= end.rawValue else {
                    throw EventLogError(.offsetOutOfRange, "offset \(value) is outside \(partition)'s range \(start)..<\(end)")
                }
                return Offset(value)
            }
        }
        if let position = committed[partition] { return Swift.max(position, start) }
        return start
    }

    private func installStopHandlers() {
        signal(SIGINT) { _ in stopRequested = 1 }
        signal(SIGTERM) { _ in stopRequested = 1 }
    }
}
