import ArgumentParser
import EventLog

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read every batch of a log (read-only) and report every problem with file and byte position.",
        discussion: "Exit status: 0 when clean, 2 when problems were found.")

    @Argument(help: "Log directory, Kafka data dir or partition dir (default: --dir).") var path: String?
    @OptionGroup var log: LogDirectoryOption

    func run() throws {
        let eventLog = try EventLog.open(path ?? log.dir, mode: .readOnly, decompressor: Codecs.decompressor)
        defer { eventLog.close() }
        let report = try Verifier.verify(eventLog)
        Output.standard.line("checked \(report.partitions) partitions, \(report.segments) segments, \(report.batches) batches, \(report.records) records, \(report.bytes) bytes")
        for path in report.staleIndexes { Output.standard.line("index stale or missing (rebuilt in memory): \(path)") }
        for tail in report.incompleteTails { Output.standard.line("incomplete tail (torn write or append in progress): \(tail)") }
        for problem in report.problems { Output.standard.line("PROBLEM \(problem)") }
        Output.standard.line(report.problems.isEmpty ? "ok" : "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") found")
        Output.standard.flush()
        if !report.problems.isEmpty { throw CommandFailure(message: "\(report.problems.count) integrity problem(s) in \(eventLog.directory)", exitCode: 2) }
    }
}

struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Apply every topic's retention now: delete whole segments older than retention.ms.")
    @OptionGroup var log: LogDirectoryOption
    @Option(parsing: .unconditional, help: "Pretend the time is this (ISO-8601, epoch ms…), for what-if runs on a copy.") var now: String?

    func run() throws {
        let eventLog = try log.openForWriting(create: false)
        defer { eventLog.close() }
        let clock = try now.map { try TimeExpression.parse($0, now: WallClock.now()) } ?? WallClock.now()
        let removed = try eventLog.enforceRetention(now: clock)
        for path in removed { Output.standard.line("deleted \(path)") }
        Output.standard.line("\(removed.count) segment\(removed.count == 1 ? "" : "s") deleted")
    }
}
