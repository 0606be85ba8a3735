import ArgumentParser
import EventLog
import Glibc
import Scenarios

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Append realistic synthetic events: a bank (deposits, withdrawals, overdraft attempts, duplicates) or item ratings.",
        discussion: "Without --follow, timestamps spread over the past --days; with --follow, events are stamped now and appended at --rate per second until Ctrl-C.")

    enum Kind: String, ExpressibleByArgument, CaseIterable { case bank, ratings }

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "bank or ratings") var kind: Kind
    @Option(help: "Events to append (without --follow).") var events: Int = 10_000
    @Option(help: "Accounts (bank) or users (ratings).") var accounts: Int = 300
    @Option(help: "Topic (default: payments for bank, ratings for ratings); created when missing.") var topic: String?
    @Option(help: "Partitions when the topic is created.") var partitions: Int32 = 3
    @Option(help: "Days of history the timestamps cover.") var days: Int = 3
    @Option(help: "Random seed (the same seed gives the same events).") var seed: UInt64 = 42
    @Option(help: "Events per second with --follow.") var rate: Double = 5
    @Flag(help: "Keep appending live events at --rate until interrupted.") var follow = false

    func validate() throws {
        guard events >= 0, accounts >= 1, days >= 0, rate > 0 else { throw ValidationError("--events ≥ 0, --accounts ≥ 1, --days ≥ 0, --rate > 0") }
    }

    func run() throws {
        let eventLog = try log.openForWriting()
        defer { eventLog.close() }
        let topicName = topic ?? (kind == .bank ? "payments" : "ratings")
        if !eventLog.topics().contains(where: { $0.name == topicName }) {
            try eventLog.createTopic(topicName, config: TopicConfig(partitions: partitions))
        }
        let now = WallClock.now()
        let span = Int64(days) * 86_400_000
        var source = EventSource(kind: kind, seed: seed, accounts: accounts, start: now.adding(milliseconds: -span),
                                 spanMs: span, events: max(events, 1))
        if follow {
            signal(SIGINT) { _ in stopRequested = 1 }
            signal(SIGTERM) { _ in stopRequested = 1 }
            var appended = 0
            while stopRequested == 0 {
                var record = source.next()
                record.timestamp = WallClock.now()
                _ = try eventLog.append([record], to: topicName)
                appended += 1
                usleep(useconds_t(1_000_000 / rate))
            }
            Output.note("appended \(appended) live events to \(topicName)")
            return
        }
        var remaining = events
        while remaining > 0 {
            let chunk = min(remaining, 10_000)
            _ = try eventLog.append(source.generate(chunk), to: topicName)
            remaining -= chunk
        }
        Output.standard.line("appended \(events) \(kind.rawValue) events to \(topicName) (\(eventLog.topics().first { $0.name == topicName }!.partitions) partitions)")
    }
}

/// Either generator behind one interface.
struct EventSource {
    private var bank: BankGenerator?
    private var ratings: RatingsGenerator?

    init(kind: GenerateCommand.Kind, seed: UInt64, accounts: Int, start: Timestamp, spanMs: Int64, events: Int) {
        switch kind {
        case .bank: bank = BankGenerator(seed: seed, accounts: accounts, start: start, spanMs: spanMs, events: events)
        case .ratings: ratings = RatingsGenerator(seed: seed, users: accounts, start: start, spanMs: spanMs, events: events)
        }
    }

    mutating func next() -> ProducerRecord {
        if bank != nil { return bank!.next() }
        return ratings!.next()
    }

    mutating func generate(_ count: Int) -> [ProducerRecord] { (0..<count).map { _ in next() } }
}
