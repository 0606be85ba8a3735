import ArgumentParser
import EventLog
import Glibc
import Scenarios

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Append realistic synthetic events: a bank (deposits, withdrawals, overdraft attempts, duplicates), item ratings, or cdc (the bank's customers and orders tables as Debezium change events).",
        discussion: "Without --follow, timestamps spread over the past --days; with --follow, events are stamped now and appended at --rate per second until Ctrl-C.")

    enum Kind: String, ExpressibleByArgument, CaseIterable { case bank, ratings, cdc }

    @OptionGroup var log: LogDirectoryOption
    @Argument(help: "bank, ratings or cdc") var kind: Kind
    @Option(help: "Events to append (without --follow).") var events: Int = 10_000
    @Option(help: "Accounts (bank), users (ratings) or customers in the initial snapshot (cdc).") var accounts: Int = 300
    @Option(help: "Topic (default: payments for bank, ratings for ratings; for cdc the prefix of PREFIX.bank.customers and PREFIX.bank.orders, default monolith); created when missing.") var topic: String?
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
        let now = WallClock.now()
        let span = Int64(days) * 86_400_000
        var source = EventSource(kind: kind, seed: seed, accounts: accounts, start: now.adding(milliseconds: -span),
                                 spanMs: span, events: max(events, 1), topic: topic)
        for topicName in source.topics where !eventLog.topics().contains(where: { $0.name == topicName }) {
            try eventLog.createTopic(topicName, config: TopicConfig(partitions: partitions))
        }
        let topicName = source.topics.joined(separator: " and ")
        if follow {
            signal(SIGINT) { _ in stopRequested = 1 }
            signal(SIGTERM) { _ in stopRequested = 1 }
            var appended = 0
            while stopRequested == 0 {
                var (target, record) = source.nextRouted()
                record.timestamp = WallClock.now()
                _ = try eventLog.append([record], to: target)
                appended += 1
                usleep(useconds_t(1_000_000 / rate))
            }
            Output.note("appended \(appended) live events to \(topicName)")
            return
        }
        var remaining = events
        while remaining > 0 {
            let chunk = min(remaining, 10_000)
            let routed = source.generateRouted(chunk)
            for target in source.topics {
                let records = routed.filter { $0.topic == target }.map(\.record)
                if !records.isEmpty { _ = try eventLog.append(records, to: target) }
            }
            remaining -= chunk
        }
        let partitionCount = eventLog.topics().first { $0.name == source.topics[0] }!.partitions
        Output.standard.line("appended \(events) \(kind.rawValue) events to \(topicName) (\(partitionCount) partitions)")
    }
}

/// Any generator behind one interface: each event with the topic it goes to.
struct EventSource {
    private var bank: BankGenerator?
    private var ratings: RatingsGenerator?
    private var cdc: CDCGenerator?
    let topics: [String]

    init(kind: GenerateCommand.Kind, seed: UInt64, accounts: Int, start: Timestamp, spanMs: Int64, events: Int, topic: String? = nil) {
        switch kind {
        case .bank:
            bank = BankGenerator(seed: seed, accounts: accounts, start: start, spanMs: spanMs, events: events)
            topics = [topic ?? "payments"]
        case .ratings:
            ratings = RatingsGenerator(seed: seed, users: accounts, start: start, spanMs: spanMs, events: events)
            topics = [topic ?? "ratings"]
        case .cdc:
            let generator = CDCGenerator(seed: seed, customers: accounts, start: start, spanMs: spanMs, events: events, prefix: topic ?? "monolith")
            cdc = generator
            topics = generator.topics
        }
    }

    mutating func nextRouted() -> (topic: String, record: ProducerRecord) {
        if bank != nil { return (topics[0], bank!.next()) }
        if cdc != nil { return cdc!.next() }
        return (topics[0], ratings!.next())
    }

    mutating func generateRouted(_ count: Int) -> [(topic: String, record: ProducerRecord)] { (0..<count).map { _ in nextRouted() } }

    /// The next event of a one-topic source (bank, ratings).
    mutating func next() -> ProducerRecord { nextRouted().record }
    mutating func generate(_ count: Int) -> [ProducerRecord] { (0..<count).map { _ in next() } }
}
