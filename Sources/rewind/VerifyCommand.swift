import ArgumentParser
import EventLog

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read every batch of a log (read-only) and report every problem with file and byte position.",
        discussion: """
        Besides CRCs, every batch is hashed onto its partition's SHA-256 chain and compared with the \
        `.chain` files; the first offset where the chain breaks is reported. `--head` prints each \
        partition's head as TOPIC-PARTITION:LAST-OFFSET:HASH to record elsewhere; `--expect` with that \
        text later fails unless the log still passes through it (appends after it are fine). \
        Exit status: 0 when clean, 2 when problems were found.
        """)

    @Argument(help: "Log directory, Kafka data dir or partition dir (default: --dir).") var path: String?
    @OptionGroup var log: LogDirectoryOption
    @Flag(help: "Print each partition's hash-chain head (TOPIC-PARTITION:LAST-OFFSET:SHA-256).") var head = false
    @Option(help: "A head printed by --head earlier; the log must still pass through it (repeatable).") var expect: [String] = []

    func run() throws {
        let expectations = try expect.map(ChainExpectation.init(parsing:))
        let eventLog = try EventLog.open(path ?? log.dir, mode: .readOnly, decompressor: Codecs.decompressor)
        defer { eventLog.close() }
        let report = try Verifier.verify(eventLog, expecting: expectations)
        Output.standard.line("checked \(report.partitions) partitions, \(report.segments) segments, \(report.batches) batches, \(report.records) records, \(report.bytes) bytes")
        Output.standard.line(Self.chainSummary(report.heads))
        if head { for chainHead in report.heads { Output.standard.line(chainHead.description) } }
        for expectation in report.matchedExpectations {
            Output.standard.line("recorded head \(expectation.partition):\(expectation.lastOffset) matches")
        }
        for path in report.staleIndexes { Output.standard.line("index stale or missing (rebuilt in memory): \(path)") }
        for quarantined in report.quarantined { Output.standard.line("quarantined: \(quarantined)") }
        for tail in report.incompleteTails { Output.standard.line("incomplete tail (torn write or append in progress): \(tail)") }
        for problem in report.problems { Output.standard.line("PROBLEM \(problem)") }
        Output.standard.line(report.problems.isEmpty ? "ok" : "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") found")
        Output.standard.flush()
        if !report.problems.isEmpty { throw CommandFailure(message: "\(report.problems.count) integrity problem(s) in \(eventLog.directory)", exitCode: 2) }
    }

    static func chainSummary(_ heads: [ChainHead]) -> String {
        var verified = 0, unchained = 0, pending = 0
        var broken: [String] = []
        for head in heads {
            pending += head.unchainedTailBatches
            switch head.status {
            case .verified: verified += 1
            case .unchained: unchained += 1
            case let .broken(offset): broken.append("\(head.topicPartition) at offset \(offset)")
            }
        }
        var parts = ["\(verified) verified"]
        if unchained > 0 { parts.append("\(unchained) without chain files (heads computed from the bytes)") }
        if !broken.isEmpty { parts.append("broken: " + broken.joined(separator: ", ")) }
        if pending > 0 { parts.append("\(pending) batches at the tail not chained yet (append in progress)") }
        return "hash chain: " + parts.joined(separator: "; ")
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
