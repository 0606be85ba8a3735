import CSQLite
import Foundation
import EventLog
import Glibc
import Projections
import Scenarios

/// Section 5: folding views. A bank log from the generator (realistic JSON, 300 accounts, skewed),
/// the balances view rebuilt from offset 0 against SQLite aggregating the same rows, then rewinds to
/// random times served from snapshots, and the memory a fold takes.
func runViewsBenchmark(events: Int, directory: String) throws {
    print("\n5. views: rebuild balances from \(events) bank events")
    let logDirectory = directory + "/bank"
    if getenv("REWIND_PROFILE_FOLD") != nil, let log = try? EventLog.open(logDirectory, mode: .readOnly, create: false),
       (try? log.endOffset(of: TopicPartition(topic: "payments", partition: 0)).rawValue) == Int64(events) {
        // Profiling the fold alone: a log of the same size from an earlier run is reused, so the
        // profile is not mostly generating it (and the SQLite copy, which the fold never reads).
        profileFold(log)
    }
    try? FileSystem.removeTree(logDirectory)
    let log = try EventLog.open(logDirectory, mode: .readWrite, create: true)
    try log.createTopic("payments", config: TopicConfig(partitions: 1, segmentBytes: 256 << 20))
    var database: OpaquePointer?
    let databasePath = directory + "/bank.sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(databasePath + suffix) }
    sqlite3_open(databasePath, &database)
    defer { sqlite3_close(database) }
    sqlite3_exec(database, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE payments(ts INTEGER, account TEXT, type TEXT, amount INTEGER, json TEXT);", nil, nil, nil)
    var insert: OpaquePointer?
    sqlite3_prepare_v2(database, "INSERT INTO payments VALUES (?, json_extract(?5, '$.account'), json_extract(?5, '$.type'), json_extract(?5, '$.amount'), ?5)", -1, &insert, nil)
    let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    var generator = BankGenerator(seed: 1, accounts: 300, start: Timestamp(milliseconds: 1_700_000_000_000), spanMs: 30 * 86_400_000, events: events)
    generator.duplicateRate = 0 // SQLite has no idempotency window: compare the same fold
    var remaining = events
    while remaining > 0 {
        let chunk = generator.generate(min(remaining, 10_000))
        _ = try log.append(chunk, to: "payments")
        sqlite3_exec(database, "BEGIN", nil, nil, nil)
        for record in chunk {
            sqlite3_bind_int64(insert, 1, record.timestamp.milliseconds)
            record.value!.withUnsafeBytes { _ = sqlite3_bind_text(insert, 5, $0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32($0.count), transient) }
            sqlite3_step(insert)
            sqlite3_reset(insert)
        }
        sqlite3_exec(database, "COMMIT", nil, nil, nil)
        remaining -= chunk.count
    }
    sqlite3_finalize(insert)
    malloc_trim(0)

    if getenv("REWIND_PROFILE_FOLD") != nil { profileFold(log) }
    // Rewind: a full rebuild (no snapshots), best of 3, as `rewind view` folds: no checkpoints
    // (see the tables bench), reading ahead on the second core; then on one core, for the ratio.
    func rebuild(readingAhead: Bool) throws -> (seconds: Double, runner: ViewRunner<BalancesProjection>) {
        var best = Double.infinity
        var runner: ViewRunner<BalancesProjection>!
        for _ in 0..<3 {
            runner = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil, snapshotEveryEvents: 0, dedupWindow: 0)
            runner.checkpointEveryEvents = 0
            runner.readsAhead = readingAhead
            let start = now()
            try runner.run()
            best = min(best, now() - start)
        }
        precondition(runner.progress.eventsApplied == Int64(events))
        return (best, runner)
    }
    let rssBefore = residentMegabytes()
    let (best, runner) = try rebuild(readingAhead: true)
    let rssAfter = residentMegabytes()
    let (oneCore, oneCoreRunner) = try rebuild(readingAhead: false)
    precondition(oneCoreRunner.rows() == runner.rows(), "the fold on one core disagrees with the pipelined one")

    func sqliteSeconds(_ query: String) -> (Double, [String: Int64]) {
        var statement: OpaquePointer?
        sqlite3_prepare_v2(database, query, -1, &statement, nil)
        var bestTime = Double.infinity
        var result: [String: Int64] = [:]
        for _ in 0..<2 {
            result = [:]
            let start = now()
            while sqlite3_step(statement) == SQLITE_ROW {
                result[String(cString: sqlite3_column_text(statement, 0))] = sqlite3_column_int64(statement, 1)
            }
            sqlite3_reset(statement)
            bestTime = min(bestTime, now() - start)
        }
        sqlite3_finalize(statement)
        return (bestTime, result)
    }
    let signed = "CASE type WHEN 'deposit' THEN amount WHEN 'withdrawal' THEN -amount ELSE 0 END"
    let (typedSeconds, typed) = sqliteSeconds("SELECT account, SUM(\(signed)) FROM payments GROUP BY account")
    let (jsonSeconds, _) = sqliteSeconds("SELECT json_extract(json, '$.account') AS a, SUM(CASE json_extract(json, '$.type') WHEN 'deposit' THEN json_extract(json, '$.amount') WHEN 'withdrawal' THEN -json_extract(json, '$.amount') ELSE 0 END) FROM payments GROUP BY a")
    for (account, balance) in typed { precondition(Int64(runner.state[account]?.balance ?? 0) == balance, "balances disagree for \(account)") }
    report("rebuild balances (\(events / 1_000_000)M events)", rewind: best * 1000, unit: "ms", baseline: typedSeconds * 1000,
           baselineName: "SQLite GROUP BY on typed columns", higherIsBetter: false, goal: "≤ 1 s and faster than SQLite")
    report("rebuild balances from JSON", rewind: best * 1000, unit: "ms", baseline: jsonSeconds * 1000,
           baselineName: "SQLite GROUP BY with json_extract", higherIsBetter: false, goal: "faster than SQLite")
    report("rebuild balances, reading ahead on a second core", rewind: best * 1000, unit: "ms", baseline: oneCore * 1000,
           baselineName: "the same fold on one core", higherIsBetter: false, goal: "informative")
    print("  fold rate: \(format(Double(events) / best)) events/s; resident memory \(String(format1: rssBefore)) MB before, \(String(format1: rssAfter)) MB after (300 accounts)")

    // The same fold through the read path's default bulk path, what a remote source (JetStream,
    // Kafka) gets: owned reads re-framed as batches. The network is left out: this is the cost of
    // the one code path above the protocol, against the borrowed batches of the embedded log.
    let owned = OwnedReadsSource(log)
    var ownedBest = Double.infinity
    for _ in 0..<2 {
        let overOwned = try ViewRunner(log: owned, topic: "payments", projection: BalancesProjection(), snapshots: nil, snapshotEveryEvents: 0, dedupWindow: 0)
        let start = now()
        try overOwned.run()
        ownedBest = min(ownedBest, now() - start)
        precondition(overOwned.rows() == runner.rows(), "the re-framed fold disagrees with the borrowed one")
    }
    report("rebuild balances, owned reads re-framed", rewind: ownedBest * 1000, unit: "ms", baseline: best * 1000,
           baselineName: "borrowed batches", higherIsBetter: false, goal: "informative: a remote source's fold path")

    // Rewind with snapshots: one pass lays them down, then random times.
    let store = SnapshotStore(logDirectory: logDirectory, cacheRoot: directory + "/cache")
    try? FileSystem.removeTree(store.directory)
    let snapshotted = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: store, snapshotEveryEvents: 100_000, dedupWindow: 0)
    var start = now()
    try snapshotted.run()
    let withSnapshots = now() - start
    let first = Int64(1_700_000_000_000), last = snapshotted.progress.lastEvent!.timestamp
    var latencies: [Double] = []
    var random = SystemRandomNumberGenerator()
    for _ in 0..<200 {
        let target = Timestamp(milliseconds: Int64.random(in: first...last, using: &random))
        start = now()
        try snapshotted.rewind(to: .time(target))
        latencies.append(now() - start)
    }
    latencies.sort()
    let median = latencies[latencies.count / 2] * 1000, p99 = latencies[latencies.count * 99 / 100] * 1000
    report("rewind to a random time (median)", rewind: median, unit: "ms", baseline: best * 1000,
           baselineName: "full rebuild", higherIsBetter: false, goal: "≤ 50 ms")
    print("  rewind p99 \(String(format1: p99)) ms over 200 random times; first pass with a snapshot every 100k events took \(String(format1: withSnapshots * 1000)) ms")

    // Diff of two random times: two restores and two short replays, against two full rebuilds.
    var diffLatencies: [Double] = []
    var changedRows = 0
    for _ in 0..<100 {
        let from = Timestamp(milliseconds: Int64.random(in: first...last, using: &random))
        let to = Timestamp(milliseconds: Int64.random(in: first...last, using: &random))
        start = now()
        changedRows += try ViewDiff.between(snapshotted, from: .time(from), to: .time(to)).count
        diffLatencies.append(now() - start)
    }
    diffLatencies.sort()
    report("diff of two random times (p50)", rewind: diffLatencies[diffLatencies.count / 2] * 1000, unit: "ms", baseline: 2 * best * 1000,
           baselineName: "two full rebuilds", higherIsBetter: false, goal: "≤ 100 ms")
    print("  diff p99 \(String(format1: diffLatencies[diffLatencies.count * 99 / 100] * 1000)) ms over 100 pairs; \(changedRows / 100) rows differ on average")
    log.close()
    // A fresh process, so its resident memory is the explorer's alone.
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.arguments = ["--explorer-only", "--log", logDirectory, "--dir", directory, "--events", String(events)]
    let output = Pipe()
    child.standardOutput = output
    try child.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    child.waitUntilExit()
    for line in text.split(separator: "\n") {
        if line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count >= 5 { rows.append(Row(label: cells[0], rewind: cells[1], baseline: cells[2], ratio: cells[3], goal: cells[4])) }
        } else {
            print(line)
        }
    }
}

/// `REWIND_PROFILE_FOLD=1`: ten rebuilds and exit, for `perf record`.
private func profileFold(_ log: EventLog) -> Never {
    for _ in 0..<10 {
        let start = now()
        let runner = try! ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil, snapshotEveryEvents: 0, dedupWindow: 0)
        runner.checkpointEveryEvents = 0
        runner.readsAhead = getenv("REWIND_FOLD_ONE_CORE") == nil
        try! runner.run()
        print("  fold: \(String(format1: (now() - start) * 1000)) ms")
    }
    exit(0)
}

/// The embedded log seen only through the protocol's required reads, so `batches` takes the
/// default path (RecordsBatchStream) a remote source takes.
final class OwnedReadsSource: LogSource {
    let log: EventLog
    init(_ log: EventLog) { self.log = log }
    var location: String { "owned:" + log.location }
    func topicNames() throws -> [String] { try log.topicNames() }
    func partitionNumbers(of topic: String) throws -> [Int32] { try log.partitionNumbers(of: topic) }
    func startOffset(of partition: TopicPartition) throws -> Offset { try log.startOffset(of: partition) }
    func endOffset(of partition: TopicPartition) throws -> Offset { try log.endOffset(of: partition) }
    func read(_ partition: TopicPartition, from start: Offset, maxRecords: Int) throws -> [Record] {
        try log.read(partition, from: start, maxRecords: maxRecords)
    }
    func offset(forTimestamp timestamp: Timestamp, in partition: TopicPartition) throws -> Offset {
        try log.offset(forTimestamp: timestamp, in: partition)
    }
    func waitForRecords(_ partition: TopicPartition, from offset: Offset, timeoutMs: Int) throws -> Bool {
        try log.waitForRecords(partition, from: offset, timeoutMs: timeoutMs)
    }
    func close() {}
}
