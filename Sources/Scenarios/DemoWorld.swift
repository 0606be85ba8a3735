import EventLog
import Foundation
import Projections

/// What the running demo does for its lessons, beside its live producer: pause and resume the
/// fraud pipeline's consumer, send a withdrawal through the bank's write side, redeliver an event,
/// run a short-retention topic. Called from the explorer's thread (lessons) and the producer's
/// (its loop), so its switches sit behind a lock; the log itself takes appends from both.
public final class DemoWorld: @unchecked Sendable {
    public let log: EventLog
    public let topic: String
    /// The short-retention topic of the retention lesson.
    public static let retentionTopic = "clicks"
    /// 3 s and 4 KiB segments (the smallest allowed): at 20 appends a second a segment fills in about
    /// 2 s, so the log start visibly moves a few seconds after the lesson opens.
    static let retentionMs: Int64 = 3000
    /// The account the CQRS lesson's commands use: no generated event touches it, so its balance
    /// on screen changes only by the lesson's command.
    public static let learnerAccount = "Learner"
    public static let withdrawalAmount: Int64 = 120

    private let lock = NSLock()
    private var paused = false
    private var retentionRunning = false
    private var clicks = 0

    public init(log: EventLog, topic: String) {
        self.log = log
        self.topic = topic
    }

    public var pipelinePaused: Bool {
        get { lock.withLock { paused } }
        set { lock.withLock { paused = newValue } }
    }

    /// The fraud pipeline's group reads on from its committed offset, unless a lesson paused it.
    public func runPipeline() {
        guard !pipelinePaused else { return }
        _ = try? FraudPipeline(log: log, source: topic).run()
    }

    /// A withdrawal through the write side, which checks the balance in its own up-to-date model
    /// first (a deposit comes first when the learner's account could not cover it).
    public func withdraw(now: Timestamp) throws -> [String: String] {
        let service = try BankService(log: log, topic: topic)
        let account = Self.learnerAccount
        var (balance, _) = try service.queryBalance(account)
        if balance < Double(Self.withdrawalAmount) {
            _ = try service.handle(.deposit(account: account, amount: 500), at: now)
            try service.refreshQueries()
            balance = try service.queryBalance(account).balance
        }
        let outcome = try service.handle(.withdraw(account: account, amount: Self.withdrawalAmount), at: now)
        try service.refreshQueries()
        let after = try service.queryBalance(account).balance
        let (partition, offset, accepted): (Int32, Offset, Bool) = switch outcome {
        case let .accepted(partition, offset): (partition, offset, true)
        case let .rejected(_, partition, offset): (partition, offset, false)
        }
        return ["account": account, "amount": String(Self.withdrawalAmount), "balanceBefore": ViewValue.double(balance).description,
                "balanceAfter": ViewValue.double(after).description, "commandPartition": String(partition),
                "commandOffset": String(offset.rawValue), "outcome": accepted ? "accepted" : "rejected"]
    }

    /// The newest event of partition 0 carrying an `event-id`, appended again as it was: what a
    /// producer retrying after a lost acknowledgement delivers.
    public func redeliver(now: Timestamp) throws -> [String: String] {
        guard let partition = try log.partitions(of: topic).first else { throw EventLogError(.invalidArgument, "demo topic \(topic) has no partitions") }
        let end = try partition.endOffset().rawValue
        // The last 200 events hold an event-id (every generated one has it); bounded either way.
        let records = try partition.read(from: Offset(max(partition.startOffset.rawValue, end - 200)), maxRecords: 200)
        let eventID = { (record: Record) in record.headers.first { $0.key == "event-id" }?.value }
        guard let original = records.last(where: { eventID($0) != nil }), let idBytes = eventID(original) else {
            throw EventLogError(.invalidArgument, "no event with an event-id in the last 200 of \(topic)-\(partition.topicPartition.partition)")
        }
        let copy = ProducerRecord(key: original.key, value: original.value, headers: original.headers, timestamp: now)
        let appended = try log.append([copy], to: topic, partition: partition.topicPartition.partition)
        return ["eventID": String(decoding: idBytes, as: UTF8.self), "duplicatePartition": String(partition.topicPartition.partition),
                "originalOffset": String(original.offset.rawValue), "duplicateOffset": String(appended[0].firstOffset.rawValue),
                "duplicateKey": original.key.map { String(decoding: $0, as: UTF8.self) } ?? "-"]
    }

    /// Creates the short-retention topic; from then on `tick` feeds and trims it.
    public func startRetention() throws -> [String: String] {
        if !log.topics().contains(where: { $0.name == Self.retentionTopic }) {
            try log.createTopic(Self.retentionTopic, config: TopicConfig(partitions: 1, retentionMs: Self.retentionMs, segmentBytes: Limits.segmentBytesMin))
        }
        lock.withLock { retentionRunning = true }
        return ["retentionTopic": Self.retentionTopic]
    }

    /// The producer's 50 ms step for the retention topic: one click, and every second a retention pass.
    public func tick(now: Timestamp) {
        let step: Int? = lock.withLock {
            guard retentionRunning else { return nil }
            clicks += 1
            return clicks
        }
        guard let step else { return }
        let value = #"{"type":"click","page":"/p/\#(step % 17)","n":\#(step)}"#
        _ = try? log.append([ProducerRecord(key: Array("visitor-\(step % 5)".utf8), value: Array(value.utf8), headers: [], timestamp: now)], to: Self.retentionTopic)
        if step % 20 == 0 { _ = try? log.enforceRetention(now: now) }
    }
}
