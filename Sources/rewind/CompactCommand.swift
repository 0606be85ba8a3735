import ArgumentParser
import EventLog

struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Run Kafka's log cleaner: keep the latest record per key in sealed segments of compacted topics.",
        discussion: """
        Only topics with cleanup.policy compact (or compact,delete) are cleaned; the active segment \
        never is. Offsets stay (removed records leave gaps), tombstones stay for delete.retention.ms, \
        transaction markers and batch metadata stay. A partition is skipped while less than \
        min.cleanable.dirty.ratio of its sealed records would go, unless --force. Crash-safe: new \
        files are staged, fsynced and installed through the partition's journal.
        """)

    @Argument(help: "Topic (every compacted topic when omitted).") var topic: String?
    @OptionGroup var log: LogDirectoryOption
    @Option(parsing: .unconditional, help: "Pretend the time is this (ISO-8601, epoch ms…): which tombstones have expired.") var now: String?
    @Flag(help: "Clean even below min.cleanable.dirty.ratio.") var force = false

    func run() throws {
        let clock = try now.map { try TimeExpression.parse($0, now: WallClock.now()) } ?? WallClock.now()
        let reports = try EventLog.compact(log.dir, topic: topic, now: clock, force: force, decompressor: Codecs.decompressor)
        if reports.isEmpty { Output.standard.line("no topic has cleanup.policy compact (see `rewind topics alter NAME --cleanup-policy compact`)") }
        for report in reports {
            if report.finishedInterrupted { Output.standard.line("\(report.topicPartition): finished a repair or compaction a crash had interrupted") }
            if let reason = report.skipped {
                Output.standard.line("\(report.topicPartition): not compacted: \(reason)")
                continue
            }
            Output.standard.line("\(report.topicPartition): cleaned \(report.cleanedSegments) sealed segment\(report.cleanedSegments == 1 ? "" : "s") up to offset \(report.cleanedUpTo): kept \(report.recordsKept) of \(report.recordsRead) records (\(report.supersededDropped) superseded, \(report.tombstonesDropped) expired tombstones, \(report.abortedDropped) aborted, \(report.keylessDropped) keyless); \(report.bytesRead) → \(report.bytesWritten) bytes; segments \(report.segmentsBefore) → \(report.segmentsAfter)")
            if let history = report.history {
                Output.standard.line("  hash chain re-rooted: head \(history.oldLastOffset):\(history.oldHead.hex.prefix(16))… is now \(history.newLastOffset):\(history.newHead.hex.prefix(16))… (kept in compaction.heads)")
            }
        }
    }
}
