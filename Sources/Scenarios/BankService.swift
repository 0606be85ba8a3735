import EventLog
import Projections

/// The bank example's two sides (CQRS). Commands (deposit, withdraw) are decided by the write side
/// against its own model, which it always brings up to date before deciding; accepted commands
/// become events. Queries read a separate view that folds the same events on its own schedule, so
/// right after a command a query can still see the old balance — eventual consistency — until that
/// view catches up.
public final class BankService {
    public enum Command: Hashable, Sendable {
        case deposit(account: String, amount: Int64)
        case withdraw(account: String, amount: Int64)
    }

    public enum Outcome: Hashable, Sendable {
        case accepted(partition: Int32, offset: Offset)
        case rejected(reason: String, partition: Int32, offset: Offset)
    }

    public let log: EventLog
    public let topic: String
    /// The write model: caught up before every decision, so validation never sees stale state.
    private let decisions: ViewRunner<BalancesProjection>
    /// The read model: advances only when `refreshQueries` runs (a projector process, in real life).
    public let queries: ViewRunner<BalancesProjection>
    private var sequence = 0

    public init(log: EventLog, topic: String) throws {
        self.log = log
        self.topic = topic
        decisions = try ViewRunner(log: log, topic: topic, projection: BalancesProjection(), snapshots: nil, snapshotEveryEvents: 0)
        queries = try ViewRunner(log: log, topic: topic, projection: BalancesProjection(), snapshots: nil, snapshotEveryEvents: 0)
        try decisions.run()
        try queries.run()
    }

    public func handle(_ command: Command, at time: Timestamp) throws -> Outcome {
        try decisions.run() // the write side never decides on stale state
        sequence += 1
        let eventID = "cmd-\(time.milliseconds)-\(sequence)"
        let json: String
        let account: String
        var rejection: String?
        switch command {
        case let .deposit(name, amount):
            guard amount > 0 else { throw EventLogError(.invalidArgument, "deposit amount must be positive, got \(amount)") }
            account = name
            json = #"{"type":"deposit","account":"\#(name)","amount":\#(amount)}"#
        case let .withdraw(name, amount):
            guard amount > 0 else { throw EventLogError(.invalidArgument, "withdrawal amount must be positive, got \(amount)") }
            account = name
            let balance = decisions.state[name]?.balance ?? 0
            if Double(amount) > balance {
                rejection = "insufficient funds: balance \(Int64(balance)), asked \(amount)"
                json = #"{"type":"withdrawal-rejected","account":"\#(name)","amount":\#(amount),"reason":"insufficient funds","balance":\#(Int64(balance))}"#
            } else {
                json = #"{"type":"withdrawal","account":"\#(name)","amount":\#(amount)}"#
            }
        }
        let record = ProducerRecord(key: Array(account.utf8), value: Array(json.utf8),
                                    headers: [Header(key: "event-id", value: Array(eventID.utf8)), Header(key: "source", value: Array("bank-example".utf8))],
                                    timestamp: time)
        let result = try log.append([record], to: topic, durable: true)[0]
        if let rejection { return .rejected(reason: rejection, partition: result.topicPartition.partition, offset: result.firstOffset) }
        return .accepted(partition: result.topicPartition.partition, offset: result.firstOffset)
    }

    /// What the read side answers now, and how many events it has not folded yet.
    public func queryBalance(_ account: String) throws -> (balance: Double, lag: Int64) {
        (queries.state[account]?.balance ?? 0, try queries.lag().values.reduce(0, +))
    }

    /// The projector's step: fold whatever the write side appended.
    @discardableResult
    public func refreshQueries() throws -> Int64 { try queries.run() }
}
