import CSQLite
import EventLog
import Glibc
import Projections

/// Section 5b: the `table` view (latest value per key). A changelog of `events` JSON rows over
/// events/10 distinct keys (1M keys for 10M events, each updated ~10 times in scattered order, 1%
/// tombstones), folded from offset 0, against SQLite applying the same rows as
/// `INSERT OR REPLACE` / `DELETE` on a keyed table: prepared statements, a `WITHOUT ROWID` table
/// keyed by the row key, 100k-row transactions, `synchronous=OFF`, WAL, a page cache (1 GiB) that
/// holds the whole table. With the default 2 MB cache and `synchronous=NORMAL`, 10k-row
/// transactions, the 10M-event baseline had not finished after 9 minutes: each upsert into a
/// 1M-row B-tree went to disk.
///
/// `REWIND_BENCH_TABLES_REUSE=1` folds the changelog an earlier run left under `directory` and
/// skips building it and the baseline (2 minutes): for `perf record` while iterating. A figure for
/// README comes from a run without it, the baseline in the same run.
func runTablesBenchmark(events: Int, directory: String) throws {
    let keys = max(1, events / 10)
    print("\n5b. tables: rebuild `table` from \(events) changelog events over \(keys) keys")
    let logDirectory = directory + "/changelog"
    let reuse = getenv("REWIND_BENCH_TABLES_REUSE") != nil && FileSystem.isDirectory(logDirectory)
    if !reuse { try? FileSystem.removeTree(logDirectory) }
    let log = try EventLog.open(logDirectory, mode: .readWrite, create: true)
    defer { log.close() }
    let baseline = reuse ? nil : try buildChangelog(log: log, events: events, keys: keys, databasePath: directory + "/changelog.sqlite")
    // A rebuild reads a log at rest: without this the kernel was still writing the new 1 GB
    // changelog back during the fold (the same binary, same day: 3.9 s without, 3.0 s with).
    sync()

    var best = Double.infinity
    var rssGrowth = 0.0
    var rowCount = 0
    for _ in 0..<2 {
        let rssBefore = residentMegabytes()
        var runner: ViewRunner<TableProjection>? = try ViewRunner(log: log, topic: "customers", projection: TableProjection(), snapshots: nil,
                                                                  snapshotEveryEvents: 0, dedupWindow: 0)
        // As `rewind view` folds: a one-shot fold never steps back, so no in-memory checkpoints
        // (each copies the 1M-row state: 11% of the fold, perf). It would read ahead on the second
        // core, but `table` prepares nothing, and reading ahead alone did not pay (TopicStream).
        runner!.checkpointEveryEvents = 0
        runner!.readsAhead = true
        let start = now()
        try runner!.run()
        best = min(best, now() - start)
        rssGrowth = max(rssGrowth, residentMegabytes() - rssBefore)
        rowCount = runner!.state.rows.count
        precondition(runner!.progress.eventsApplied == Int64(events))
        runner = nil
        malloc_trim(0)
    }
    let memory = "resident memory grows \(String(format1: rssGrowth)) MB during the fold, peak (VmHWM, whole process) \(String(format1: peakResidentMegabytes())) MB"
    guard let baseline else {
        print("  rebuild table: \(format(best * 1000)) ms, \(format(Double(events) / best)) events/s; \(rowCount) rows; \(memory) (reused log, no baseline)")
        return
    }
    precondition(baseline.rows == rowCount, "table view has \(rowCount) rows, SQLite \(baseline.rows)")
    report("rebuild table (\(events / 1_000_000)M events, \(keys / 1000)k keys)", rewind: best * 1000, unit: "ms", baseline: baseline.seconds * 1000,
           baselineName: "SQLite INSERT OR REPLACE of the same rows (100k-row transactions, synchronous=OFF)", higherIsBetter: false, goal: "≤ 2 s")
    print("  fold rate: \(format(Double(events) / best)) events/s; \(rowCount) rows; \(memory)")
}

/// Appends the changelog to `log` and applies the same rows to SQLite; returns SQLite's time
/// (upserts and deletes only) and the rows its table ends with.
private func buildChangelog(log: EventLog, events: Int, keys: Int, databasePath: String) throws -> (seconds: Double, rows: Int) {
    try log.createTopic("customers", config: TopicConfig(partitions: 1, segmentBytes: 256 << 20))
    var database: OpaquePointer?
    for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(databasePath + suffix) }
    sqlite3_open(databasePath, &database)
    defer { sqlite3_close(database) }
    sqlite3_exec(database, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY; CREATE TABLE customers(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;", nil, nil, nil)
    var upsert: OpaquePointer?, delete: OpaquePointer?
    sqlite3_prepare_v2(database, "INSERT OR REPLACE INTO customers VALUES (?, ?)", -1, &upsert, nil)
    sqlite3_prepare_v2(database, "DELETE FROM customers WHERE key = ?", -1, &delete, nil)
    let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    let statuses = ["new", "active", "suspended", "closed"]
    var sqliteSeconds = 0.0
    let sqliteTransactionRows = 100_000 // a multiple of the 10k-row chunks
    var n = 0
    while n < events {
        let count = min(10_000, events - n)
        let chunk: [ProducerRecord] = (n..<(n + count)).map { index in
            // A multiplicative hash spreads updates of a key over the whole log.
            let id = Int((UInt64(index) &* 2_654_435_761) % UInt64(keys))
            let key = Array("c\(id)".utf8)
            let value: [UInt8]? = index % 100 == 99 ? nil
                : Array(#"{"id":\#(id),"name":"customer \#(id)","status":"\#(statuses[index % 4])","amount":\#(index % 1000),"city":"Oslo"}"#.utf8)
            return ProducerRecord(key: key, value: value, timestamp: Timestamp(milliseconds: baseTime + Int64(index)))
        }
        _ = try log.append(chunk, to: "customers")
        let start = now()
        if n % sqliteTransactionRows == 0 { sqlite3_exec(database, "BEGIN", nil, nil, nil) }
        for record in chunk {
            let statement = record.value == nil ? delete : upsert
            record.key!.withUnsafeBytes { _ = sqlite3_bind_text(statement, 1, $0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32($0.count), transient) }
            record.value?.withUnsafeBytes { _ = sqlite3_bind_text(statement, 2, $0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32($0.count), transient) }
            sqlite3_step(statement)
            sqlite3_reset(statement)
        }
        n += count
        if n % sqliteTransactionRows == 0 || n == events { sqlite3_exec(database, "COMMIT", nil, nil, nil) }
        sqliteSeconds += now() - start
    }
    sqlite3_finalize(upsert)
    sqlite3_finalize(delete)
    var count: OpaquePointer?
    sqlite3_prepare_v2(database, "SELECT COUNT(*) FROM customers", -1, &count, nil)
    sqlite3_step(count)
    let sqliteRows = Int(sqlite3_column_int64(count, 0))
    sqlite3_finalize(count)
    malloc_trim(0)
    return (sqliteSeconds, sqliteRows)
}

/// The process's peak resident set (VmHWM), in MB.
func peakResidentMegabytes() -> Double {
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(cString: line)
        if text.hasPrefix("VmHWM:") { return (Double(text.dropFirst(6).trimmingCharacters(in: " kB\n\t")) ?? 0) / 1024 }
    }
    return 0
}

private extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
