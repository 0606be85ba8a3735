import EventLog
import Payloads

/// The pipeline example: a consumer reads `payments`, enriches each withdrawal with its account's
/// history, and publishes suspicious ones to `payments-flagged`. It is restart-safe:
///
/// - its position is a consumer group ("pipeline.flagger"), committed after what it published is durable;
/// - its enrichment state is not stored anywhere: on start it is rebuilt by replaying `payments` up
///   to the committed position (the state is a fold of the stream, like any view);
/// - each flag carries `event-id: flag/<topic>/<partition>/<offset>`; before publishing, the ids
///   already in `payments-flagged` are read, so a crash between publishing and committing never
///   yields a duplicate.
public final class FraudPipeline {
    public struct Report: Hashable, Sendable {
        public var processed = 0
        public var published = 0
        public var alreadyPublished = 0
    }

    public static let group = "pipeline.flagger"
    let log: EventLog
    let source: String
    let sink: String
    private var history: [String: AccountHistory] = [:]

    struct AccountHistory {
        var withdrawals = 0
        var total = 0.0
        var recentTimes: [Int64] = []
    }

    public init(log: EventLog, source: String = "payments", sink: String = "payments-flagged") {
        self.log = log
        self.source = source
        self.sink = sink
    }

    /// Processes from the committed position to the end. `stopAfterPublishing` simulates a crash
    /// right after that many publications, before their commit (for the restart test).
    public func run(commitEvery: Int = 100, stopAfterPublishing: Int? = nil) throws -> Report {
        let groups = try log.committableGroups()
        let committed = try groups.committed(Self.group)
        let partitions = try log.partitions(of: source)
        let published = try publishedIDs()
        try rebuildHistory(upTo: committed, partitions: partitions)
        let cursor = MergedCursor(partitions.map { PartitionCursor(partition: $0, from: committed[$0.topicPartition] ?? $0.startOffset) })
        var report = Report()
        var sinceCommit = 0
        while let (partition, record) = try cursor.next() {
            report.processed += 1
            if let flag = observe(record) {
                let id = "flag/\(source)/\(partition.partition)/\(record.offset.rawValue)"
                if published.contains(id) {
                    report.alreadyPublished += 1
                } else {
                    var json = #"{"flag":"\#(flag.reason)","account":"\#(flag.account)","amount":\#(Int64(flag.amount))"#
                    json += #","average":\#((flag.average * 100).rounded() / 100),"source":{"topic":"\#(source)","partition":\#(partition.partition),"offset":\#(record.offset.rawValue)}}"#
                    let event = ProducerRecord(key: Array(flag.account.utf8), value: Array(json.utf8),
                                               headers: [Header(key: "event-id", value: Array(id.utf8))], timestamp: record.timestamp)
                    _ = try log.append([event], to: sink, durable: true)
                    report.published += 1
                    if let stopAfterPublishing, report.published >= stopAfterPublishing { return report } // "crash": no commit
                }
            }
            sinceCommit += 1
            if sinceCommit >= commitEvery {
                try groups.commit(Self.group, cursor.positions)
                sinceCommit = 0
            }
        }
        try groups.commit(Self.group, cursor.positions)
        return report
    }

    struct Flag {
        var reason: String
        var account: String
        var amount: Double
        var average: Double
    }

    /// Updates the account's history with one event; returns a flag for a suspicious withdrawal.
    func observe(_ record: Record) -> Flag? {
        guard let value = record.value else { return nil }
        var isWithdrawal = false
        var account: String?
        var amount: Double?
        value.withUnsafeBytes { bytes in
            JSONScanner.forEachMember(bytes) { key, range in
                let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
                switch key {
                case "type": isWithdrawal = JSONScanner.decodeString(raw) == "withdrawal"
                case "account": account = JSONScanner.decodeString(raw)
                case "amount": amount = JSONScanner.number(raw)
                default: break
                }
                return true
            }
        }
        guard isWithdrawal, let account, let amount else { return nil }
        var entry = history[account] ?? AccountHistory()
        defer { history[account] = entry }
        let time = record.timestamp.milliseconds
        entry.recentTimes = entry.recentTimes.filter { time - $0 <= 60_000 } + [time]
        let average = entry.withdrawals == 0 ? 0 : entry.total / Double(entry.withdrawals)
        let flag: Flag?
        if entry.withdrawals >= 3 && amount > 3 * average {
            flag = Flag(reason: "large-withdrawal", account: account, amount: amount, average: average)
        } else if entry.recentTimes.count >= 3 {
            flag = Flag(reason: "burst", account: account, amount: amount, average: average)
        } else {
            flag = nil
        }
        entry.withdrawals += 1
        entry.total += amount
        return flag
    }

    private func publishedIDs() throws -> Set<String> {
        var ids = Set<String>()
        for partition in try log.partitions(of: sink) {
            try partition.forEachRecord(from: partition.startOffset) { record, _ in
                if let found = record.header(named: "event-id"), let bytes = found { ids.insert(String(decoding: bytes, as: UTF8.self)) }
                return true
            }
        }
        return ids
    }

    private func rebuildHistory(upTo committed: [TopicPartition: Offset], partitions: [PartitionLog]) throws {
        history = [:]
        let cursor = MergedCursor(partitions.map { PartitionCursor(partition: $0, from: $0.startOffset) })
        while let (partition, record) = try cursor.next() {
            guard let limit = committed[partition], record.offset < limit else { continue }
            _ = observe(record)
        }
    }
}
