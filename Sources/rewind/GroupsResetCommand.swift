import ArgumentParser
import EventLog

/// `groups reset`: Kafka's `kafka-consumer-groups --reset-offsets`, with the what-if first: per
/// partition the committed and the new offset and how many events the group will process again
/// (moving back) or skip (moving forward).
struct GroupsReset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset", abstract: "Move a group's committed offsets on a topic (what-if with --dry-run).",
        discussion: """
        Refused while the group has live members in a `rewind serve` running on the log (the server \
        publishes its groups' member counts in groups/.live-members): stop the consumers first.
        """)
    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "Consumer group.") var group: String
    @Option(help: "Topic whose offsets move.") var topic: String
    @Option(parsing: .unconditional, help: "The first offset at or after this time (ISO-8601, -1h, epoch ms).") var toTime: String?
    @Option(help: "This offset: N for every partition, or P:N for partition P only.") var toOffset: String?
    @Flag(help: "Each partition's first offset.") var toEarliest = false
    @Flag(help: "Each partition's end offset (skip everything not read yet).") var toLatest = false
    @Flag(help: "Show what would change; commit nothing.") var dryRun = false

    func validate() throws {
        let targets = [toTime != nil, toOffset != nil, toEarliest, toLatest].filter { $0 }.count
        guard targets == 1 else { throw ValidationError("give exactly one of --to-time, --to-offset, --to-earliest, --to-latest") }
    }

    func run() throws {
        let eventLog = try log.openForReading()
        defer { eventLog.close() }
        let committed = try eventLog.groups.committed(group)
        var moves: [TopicPartition: Offset] = [:]
        for partition in try eventLog.partitions(of: topic) {
            let start = partition.startOffset, end = try partition.endOffset()
            guard let wanted = try target(partition) else { continue }
            let new = Offset(min(max(wanted.rawValue, start.rawValue), end.rawValue))
            let current = committed[partition.topicPartition]
            let from = current ?? start
            let events = try eventCount(partition, from: min(from, new), to: max(from, new))
            let effect = new < from ? "will process \(events) events again" : new > from ? "will skip \(events) events" : "no change"
            Output.standard.line("  \(partition.topicPartition)  current \(current.map(\.description) ?? "- (none: reads from \(start))")  new \(new)  \(effect)")
            moves[partition.topicPartition] = new
        }
        guard !moves.isEmpty else { throw CommandFailure(message: "--to-offset '\(toOffset ?? "")' names no partition of topic '\(topic)'") }
        if dryRun { return Output.standard.line("dry run: nothing committed for group \(group)") }
        let live = try LiveGroupMembers.count(of: group, logDirectory: eventLog.directory)
        guard live == 0 else {
            throw EventLogError(.invalidArgument, "group '\(group)' has \(live) live member\(live == 1 ? "" : "s") in the running `rewind serve`: stop its consumers before resetting its offsets", path: eventLog.directory)
        }
        try eventLog.committableGroups().commit(group, moves)
        Output.standard.line("committed new offsets for group \(group) on \(moves.count) partition\(moves.count == 1 ? "" : "s")")
    }

    /// The offset the options name for `partition`; nil when --to-offset P:N names another one.
    private func target(_ partition: PartitionLog) throws -> Offset? {
        if toEarliest { return partition.startOffset }
        if toLatest { return try partition.endOffset() }
        if let toTime { return try partition.offset(forTimestamp: try TimeExpression.parse(toTime, now: WallClock.now())) }
        let text = toOffset ?? ""
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let number = Int32(parts[0]), let offset = Int64(parts[1]), offset >= 0 {
            return number == partition.topicPartition.partition ? Offset(offset) : nil
        }
        guard parts.count == 1, let offset = Int64(text), offset >= 0 else {
            throw CommandFailure(message: "--to-offset '\(text)': expected N or PARTITION:N")
        }
        return Offset(offset)
    }

    /// Events in [from, to): compaction gaps hold none, control batches are not events.
    private func eventCount(_ partition: PartitionLog, from: Offset, to: Offset) throws -> Int {
        guard from < to else { return 0 }
        var count = 0
        try partition.forEachRecord(from: from) { record, batch in
            guard record.offset < to else { return false }
            if !batch.header.isControl { count += 1 }
            return true
        }
        return count
    }
}
