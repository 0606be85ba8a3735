import ArgumentParser
import EventLog

struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Move damaged byte ranges out of a Rewind log's segments, keeping every valid batch at its offsets.",
        discussion: """
        A writable open refuses a segment whose damage is followed by valid batches (cutting there \
        would lose them). This is the explicit step: each damaged range is moved byte for byte into \
        `<base>.log.corrupt-<position>` beside its segment, the valid batches stay at their own \
        offsets (the damaged offsets become a gap), indexes are rebuilt and the hash chain is \
        recomputed from the first repaired segment on. Crash-safe: new files are staged and installed \
        through a journal. Captured Kafka dirs are never modified. Exit status 0; prints what it did.
        """)

    @Argument(help: "Log directory (default: --dir).") var path: String?
    @OptionGroup var log: LogDirectoryOption
    @Option(help: "Only this topic.") var topic: String?

    func run() throws {
        let directory = path ?? log.dir
        let reports = try EventLog.repair(directory, topic: topic, decompressor: Codecs.decompressor)
        var moved = 0
        for report in reports {
            if report.finishedInterruptedRepair { Output.standard.line("\(report.topicPartition): finished a repair a crash had interrupted") }
            for range in report.quarantined { Output.standard.line(range.description); moved += 1 }
            for segment in report.rewrittenSegments { Output.standard.line("rewrote \(segment) with its valid batches; indexes rebuilt") }
            if !report.rechainedSegments.isEmpty {
                Output.standard.line("\(report.topicPartition): hash chain recomputed over \(report.rechainedSegments.count) segment\(report.rechainedSegments.count == 1 ? "" : "s") (heads recorded before the repair no longer match)")
            }
        }
        Output.standard.line(moved == 0 ? "no damage found in \(reports.count) partition\(reports.count == 1 ? "" : "s")"
                                        : "\(moved) damaged range\(moved == 1 ? "" : "s") moved aside in \(reports.count) partition\(reports.count == 1 ? "" : "s")")
    }
}
