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

    /// Where the fraud pipeline publishes its flags.
    public static let flaggedTopic = "payments-flagged"
    /// The compaction lesson's copy of `topic`.
    public var compactedTopic: String { topic + "-compacted" }
    /// Reads the wall clock: the CQRS lessons tell the delay from a command's acceptance in ms.
    private let clock: @Sendable () -> Timestamp

    private let lock = NSLock()
    /// One flagger at a time: the producer's periodic run and a lesson's restart never overlap,
    /// so a restart's numbers are its own.
    private let pipelineLock = NSLock()
    private var paused = false
    private var retentionRunning = false
    private var clicks = 0

    public init(log: EventLog, topic: String, clock: @escaping @Sendable () -> Timestamp) {
        self.log = log
        self.topic = topic
        self.clock = clock
    }

    public var pipelinePaused: Bool {
        get { lock.withLock { paused } }
        set { lock.withLock { paused = newValue } }
    }

    /// The fraud pipeline's group reads on from its committed offset, unless a lesson paused it.
    public func runPipeline() {
        pipelineLock.withLock {
            guard !pipelinePaused else { return }
            _ = try? FraudPipeline(log: log, source: topic).run()
        }
    }

    /// Stops the flagger as a crash or a deploy would: after the pass under way (its commit is
    /// where the stopped flagger stands), no more passes.
    public func stopPipeline() throws -> [String: String] {
        pipelinePaused = true
        let stoppedAt = try pipelineLock.withLock { try committedPosition() }
        return ["group": FraudPipeline.group, "stoppedAt": String(stoppedAt)]
    }

    /// Starts a new flagger, as a restarted process: nothing of the old one but the log and the
    /// group's commit. Its numbers tell whether it skipped or reread anything.
    public func restartPipeline() throws -> [String: String] {
        try pipelineLock.withLock {
            let before = try committedPosition()
            pipelinePaused = false
            let report = try FraudPipeline(log: log, source: topic).run()
            let after = try committedPosition()
            let (total, distinct) = try flagIDs()
            return ["resumedFrom": String(before), "committedAfter": String(after), "processed": String(report.processed),
                    "unaccounted": String(after - before - Int64(report.processed)), "published": String(report.published),
                    "alreadyPublished": String(report.alreadyPublished), "flagsTotal": String(total), "flagsDistinct": String(distinct)]
        }
    }

    /// The group's committed offsets summed over the partitions: its position on the topics pane.
    func committedPosition() throws -> Int64 {
        try log.groups.committed(FraudPipeline.group).values.reduce(0) { $0 + $1.rawValue }
    }

    /// How many flags the sink holds, and how many distinct event-ids among them.
    func flagIDs() throws -> (total: Int, distinct: Int) {
        var total = 0
        var ids = Set<[UInt8]>()
        for partition in try log.partitions(of: Self.flaggedTopic) {
            try partition.forEachRecord(from: partition.startOffset) { record, _ in
                total += 1
                if let found = record.header(named: "event-id"), let bytes = found { ids.insert(Array(bytes)) }
                return true
            }
        }
        return (total, ids.count)
    }

    /// A withdrawal through the write side, which checks the balance in its own up-to-date model
    /// first (a deposit comes first when the learner's account could not cover it).
    public func withdraw() throws -> [String: String] {
        let now = clock()
        let service = try BankService(log: log, topic: topic)
        let account = Self.learnerAccount
        var (balance, _) = try service.queryBalance(account)
        if balance < Double(Self.withdrawalAmount) {
            _ = try service.handle(.deposit(account: account, amount: 500), at: now)
            try service.refreshQueries()
            balance = try service.queryBalance(account).balance
        }
        let outcome = try service.handle(.withdraw(account: account, amount: Self.withdrawalAmount), at: now)
        let acceptedMs = clock().milliseconds
        try service.refreshQueries()
        let after = try service.queryBalance(account).balance
        let (partition, offset, accepted): (Int32, Offset, Bool) = switch outcome {
        case let .accepted(partition, offset): (partition, offset, true)
        case let .rejected(_, partition, offset): (partition, offset, false)
        }
        return ["account": account, "amount": String(Self.withdrawalAmount), "balanceBefore": ViewValue.double(balance).description,
                "balanceAfter": ViewValue.double(after).description, "commandPartition": String(partition),
                "commandOffset": String(offset.rawValue), "outcome": accepted ? "accepted" : "rejected",
                "commandKey": account, "commandExpected": ViewValue.double(after).description, "acceptedMs": String(acceptedMs)]
    }

    /// A RateItem command through the ratings write side: the learner's item, 4 stars.
    public func rateItem() throws -> [String: String] {
        let service = try RatingsService(log: log, topic: topic)
        let item = RatingsService.learnerItem
        let outcome = try service.handle(RatingsService.RateItem(item: item, user: "learner", stars: 4), at: clock())
        let acceptedMs = clock().milliseconds
        guard case let .accepted(partition, offset) = outcome else {
            throw EventLogError(.invalidArgument, "the write side rejected the lesson's RateItem: \(outcome)")
        }
        try service.refreshQueries()
        let document = service.queryItem(item)
        return ["commandKey": item, "commandExpected": document?.values.first?.description ?? "-",
                "average": document.map { $0.values.count > 1 ? $0.values[1].description : "-" } ?? "-",
                "commandPartition": String(partition), "commandOffset": String(offset.rawValue), "acceptedMs": String(acceptedMs)]
    }

    /// The newest event of partition 0 carrying an `event-id`, appended again as it was: what a
    /// producer retrying after a lost acknowledgement delivers.
    public func redeliver() throws -> [String: String] {
        let now = clock()
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

    /// Writes the compacted copy of the demo's topic (the cleaner's result: the latest event of each
    /// key at its own offset) as the topic `compactedTopic`, once; then tells what it holds.
    public func compactCopy() throws -> [String: String] {
        if !log.topics().contains(where: { $0.name == compactedTopic }) { try writeCompactedTopic() }
        return try compactionFacts()
    }

    private func writeCompactedTopic() throws {
        var template = Array((NSTemporaryDirectory() + "rewind-compacted-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw EventLogError(.io, "cannot create a scratch directory for the compacted copy") }
        let scratch = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try log.writeCompactedCopy(of: topic, into: scratch + "/copy")
        let copy = try EventLog.open(scratch + "/copy", mode: .readOnly)
        defer { copy.close() }
        let sources = try copy.partitions(of: topic)
        var config = TopicConfig(partitions: Int32(sources.count))
        config.cleanupPolicy = .compact
        try log.createTopic(compactedTopic, config: config)
        for source in sources {
            let target = try log.partition(TopicPartition(topic: compactedTopic, partition: source.topicPartition.partition))
            var records: [ProducerRecord] = []
            var offsets: [Int64] = []
            func flush() throws {
                guard !records.isEmpty else { return }
                _ = try target.append(records, offsets: offsets)
                records.removeAll(keepingCapacity: true)
                offsets.removeAll(keepingCapacity: true)
            }
            try source.forEachRecord(from: source.startOffset) { record, _ in
                records.append(ProducerRecord(key: record.key.map(Array.init), value: record.value.map(Array.init), headers: record.headers(), timestamp: record.timestamp))
                offsets.append(record.offset.rawValue)
                if records.count == 500 { try flush() }
                return true
            }
            try flush()
        }
    }

    /// What the copy kept, and the balance a fold of the whole topic gives the most moved account
    /// of the copy's newest partition, as of the copy's newest event (where the lesson looks).
    private func compactionFacts() throws -> [String: String] {
        var kept = 0
        var read: Int64 = 0
        var newest: MergeKey?
        var keysOfPartition: [Int32: Set<String>] = [:]
        for partition in try log.partitions(of: compactedTopic) {
            let number = partition.topicPartition.partition
            var last: MergeKey?
            try partition.forEachRecord(from: partition.startOffset) { record, _ in
                kept += 1
                last = MergeKey(timestamp: record.timestamp.milliseconds, partition: number, offset: record.offset.rawValue)
                if let key = record.key { keysOfPartition[number, default: []].insert(String(decoding: key, as: UTF8.self)) }
                return true
            }
            // The newest record of a partition is the latest of its key, so the copy covers every offset up to it.
            guard let last else { continue }
            read += last.offset + 1
            if newest.map({ $0 < last }) ?? true { newest = last }
        }
        guard let newest else { throw EventLogError(.invalidArgument, "the compacted copy of \(topic) is empty") }
        let original = try ViewRunner(log: log, topic: topic, projection: BalancesProjection(), snapshots: nil, snapshotEveryEvents: 0)
        try original.run(to: .event(newest))
        let balance = { (key: String) in original.state[key]?.balance ?? 0 }
        let key = (keysOfPartition[newest.partition] ?? []).sorted().max { abs(balance($0)) < abs(balance($1)) } ?? "-"
        return ["kept": String(kept), "read": String(read), "dropped": String(read - Int64(kept)), "newestPartition": String(newest.partition),
                "compactKey": key, "originalBalance": ViewValue.double(balance(key)).description, "compactTopic": compactedTopic]
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
