import CSQLite
import EventLog
import Glibc

// Rewind's storage benchmarks, each printed beside a baseline measured in the same run on the same
// rows or bytes: SQLite (WAL, 1,000-row transactions, synchronous=NORMAL — the closest thing to
// a non-durable batched append), read(2) of the segment bytes, and write+fdatasync of same-size
// chunks. Run with `make bench` (release build). `--events N` scales the data set (default 10M).

struct Arguments {
    var events = 10_000_000
    var directory = "/tmp/rewind-bench"
    var batch = 1000
    var valueBytes = 100
    /// Only build the log and repeat the Rewind scan: for `perf record`.
    var profileScan = false
    /// Only section 5 (views).
    var viewsOnly = false
    /// Only section 5b (the table view against SQLite upserts).
    var tablesOnly = false
    /// Only section 6, on an existing bank log (`--log`): run in a fresh process by section 5.
    var explorerOnly = false
    /// Only section 7 (one writer with followers, many producers).
    var concurrencyOnly = false
    /// Only section 8 (captured logs: Kafka data dir open, plain/zstd decode, JSON Lines import).
    var interopOnly = false
    /// Only sections 1–4 (append, scan, seek, durable append).
    var storageOnly = false
    /// Only the Avro decode benchmark (1M records unless --events is given).
    var avroOnly = false
    var log = ""
    /// Only the JetStream section, with nats-py publishing the first `publishEvents`.
    var natsOnly = false
    /// Only the kafka:// seek benchmark: `--kafka-seek kafka://HOST:PORT TOPIC LOCAL-DIR` (run by
    /// Benchmarks/kafka-client.py, which starts the broker and fills both sides).
    var kafkaSeek: (url: String, topic: String, local: String)?
    /// Only the explorer over kafka://: `--kafka-explorer kafka://HOST:PORT TOPIC` (run by
    /// Benchmarks/kafka-client.py on its topic), scratch files under --dir.
    var kafkaExplorer: (url: String, topic: String)?
    var publishEvents = 200_000
    /// Only section 9 (open → first frame, cold and warm page cache).
    var coldOnly = false
    var cold = ColdOpenOptions()
    /// Only the compaction benchmark, on a topic of `compactionMegabytes` MB.
    var compactionOnly = false
    var compactionMegabytes = 1024

    init() {
        var iterator = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--events": events = Int(iterator.next() ?? "") ?? events
            case "--dir": directory = iterator.next() ?? directory
            case "--profile-scan": profileScan = true
            case "--views-only": viewsOnly = true
            case "--tables-only": tablesOnly = true
            case "--explorer-only": explorerOnly = true
            case "--concurrency-only": concurrencyOnly = true
            case "--interop-only": interopOnly = true
            case "--storage-only": storageOnly = true
            case "--avro-only":
                avroOnly = true
                if !CommandLine.arguments.contains("--events") { events = 1_000_000 }
            case "--log": log = iterator.next() ?? log
            case "--nats": natsOnly = true
            case "--kafka-seek": kafkaSeek = (iterator.next() ?? "", iterator.next() ?? "", iterator.next() ?? "")
            case "--kafka-explorer": kafkaExplorer = (iterator.next() ?? "", iterator.next() ?? "")
            case "--publish-events": publishEvents = Int(iterator.next() ?? "") ?? publishEvents
            case "--cold-only": coldOnly = true
            case "--compaction-only": compactionOnly = true
            case "--compaction-mb": compactionMegabytes = Int(iterator.next() ?? "") ?? compactionMegabytes
            // Quick iterations: e.g. --cold-sizes 20000,1000000 --cold-kafka-mb 0 --cold-partitions 60.
            case "--cold-sizes": cold.sizes = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--cold-kafka-mb": cold.kafkaBytes = (Int(iterator.next() ?? "") ?? 1200) * 1_000_000
            case "--cold-partitions": cold.partitions = Int(iterator.next() ?? "") ?? cold.partitions
            case "--cold-rounds": cold.rounds = max(1, Int(iterator.next() ?? "") ?? cold.rounds)
            case "--cold-keep": cold.keep = true
            default: fatalError("usage: RewindBench [--events N] [--dir PATH]")
            }
        }
    }
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func residentMegabytes() -> Double {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    _ = withUnsafeMutablePointer(to: &size) { s in withUnsafeMutablePointer(to: &resident) { r in
        withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) } } }
    return Double(resident) * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

func format(_ value: Double) -> String {
    if value >= 1e6 { return String(format1: value / 1e6) + "M" }
    if value >= 1e3 { return String(format1: value / 1e3) + "k" }
    return String(format1: value)
}

extension String {
    init(format1 value: Double) {
        let scaled = (value * 10).rounded() / 10
        self = scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
    }
}

struct Row {
    let label: String
    let rewind: String
    let baseline: String
    let ratio: String
    let goal: String
}

nonisolated(unsafe) var rows: [Row] = []
func report(_ label: String, rewind: Double, unit: String, baseline: Double, baselineName: String, higherIsBetter: Bool = true, goal: String) {
    let ratio = higherIsBetter ? rewind / baseline : baseline / rewind
    rows.append(Row(label: label, rewind: "\(format(rewind)) \(unit)", baseline: "\(format(baseline)) \(unit) (\(baselineName))",
                    ratio: String(format1: ratio) + "×", goal: goal))
    print("  \(label): Rewind \(format(rewind)) \(unit), \(baselineName) \(format(baseline)) \(unit), ratio \(String(format1: ratio))× (goal \(goal))")
}

nonisolated(unsafe) let arguments = Arguments()
nonisolated(unsafe) let accounts = (0..<500).map { Array("account-\($0)".utf8) }
let baseTime: Int64 = 1_700_000_000_000
/// Deterministic rows: key cycles over 500 accounts, value is 100 bytes, one event per 10 ms.
func makeRecord(_ n: Int) -> ProducerRecord {
    var value = [UInt8](repeating: UInt8(ascii: "x"), count: arguments.valueBytes)
    var m = n
    for index in 0..<8 { value[index] = UInt8(48 + m % 10); m /= 10 }
    return ProducerRecord(key: accounts[n % accounts.count], value: value, timestamp: Timestamp(milliseconds: baseTime + Int64(n) * 10))
}

if arguments.explorerOnly {
    try runExplorerBenchmark(logDirectory: arguments.log, directory: arguments.directory, events: arguments.events)
    for row in rows { print("| \(row.label) | \(row.rewind) | \(row.baseline) | \(row.ratio) | \(row.goal) |") }
    exit(0)
}
/// Runs one section on its own (the `--…-only` flags), prints its table and exits.
func runAlone(_ section: (Int, String) throws -> Void) throws -> Never {
    try FileSystem.createDirectories(arguments.directory)
    try section(arguments.events, arguments.directory)
    for row in rows { print("| \(row.label) | \(row.rewind) | \(row.baseline) | \(row.ratio) | \(row.goal) |") }
    exit(0)
}
if arguments.interopOnly { try runAlone(runInteropBenchmark) }
if arguments.compactionOnly { try runAlone { try runCompactionBenchmark(megabytes: arguments.compactionMegabytes, directory: $1) } }
if arguments.coldOnly { try runAlone { try runColdOpenBenchmark(options: arguments.cold, directory: $1) } }
if arguments.concurrencyOnly { try runAlone(runConcurrencyBenchmark) }
if arguments.avroOnly { try runAlone { try runAvroBenchmark(records: $0, directory: $1) } }
if arguments.viewsOnly { try runAlone(runViewsBenchmark) }
if let explorer = arguments.kafkaExplorer {
    try FileSystem.createDirectories(arguments.directory)
    try runKafkaExplorerBenchmark(url: explorer.url, topic: explorer.topic, directory: arguments.directory)
    exit(0)
}
if let seek = arguments.kafkaSeek {
    try runKafkaSeekBenchmark(url: seek.url, topic: seek.topic, local: seek.local)
    exit(0)
}
if arguments.tablesOnly { try runAlone(runTablesBenchmark) }
if arguments.natsOnly {
    try runAlone { try runNATSBenchmark(events: $0, publishEvents: min(arguments.publishEvents, $0), directory: $1) }
}
print("RewindBench: \(arguments.events) events of \(arguments.valueBytes)-byte values, batches of \(arguments.batch), in \(arguments.directory)")
try? FileSystem.removeTree(arguments.directory)
try FileSystem.createDirectories(arguments.directory)
let logDirectory = arguments.directory + "/log"

// Batches are prepared up front so both sides measure storage, not row generation.
var batches: [[ProducerRecord]] = stride(from: 0, to: arguments.events, by: arguments.batch).map { start in
    (start..<min(start + arguments.batch, arguments.events)).map(makeRecord)
}

// MARK: 1. Batched append

print("\n1. batched append")
// Best of several rounds, each into fresh files: page-cache reclaim left by earlier work makes
// single runs swing by 3× here, and the best round is the one that measures the code.
var appendSeconds = Double.infinity
var log: EventLog!
var partition: PartitionLog!
for _ in 0..<3 {
    log?.close()
    try? FileSystem.removeTree(logDirectory)
    log = try EventLog.open(logDirectory, mode: .readWrite, create: true)
    try log.createTopic("bench", config: TopicConfig(partitions: 1, segmentBytes: 256 << 20))
    partition = try log.partition(TopicPartition(topic: "bench", partition: 0))
    var started = now()
    for batch in batches { try partition.append(batch) }
    // Both sides append into the page cache here (SQLite with synchronous=NORMAL syncs no data per
    // commit); what durability costs is measured on its own in section 4.
    appendSeconds = min(appendSeconds, now() - started)
}
var started = now()
let appendRate = Double(arguments.events) / appendSeconds
if arguments.profileScan {
    var total = 0
    started = now()
    for _ in 0..<20 {
        try partition.forEachRecord(from: .zero) { record, _ in
            total &+= record.value?.count ?? 0
            return true
        }
    }
    print("scan: \(format(Double(arguments.events * 20) / (now() - started))) events/s (\(total))")
    exit(0)
}

var database: OpaquePointer?
let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
var sqliteSeconds = Double.infinity
for round in 0..<2 {
    if round > 0 { sqlite3_close(database) }
    for suffix in ["", "-wal", "-shm"] { try? FileSystem.remove(arguments.directory + "/bench.sqlite" + suffix) }
    sqlite3_open(arguments.directory + "/bench.sqlite", &database)
    sqlite3_exec(database, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE events(ts INTEGER NOT NULL, key BLOB, value BLOB);", nil, nil, nil)
    var insert: OpaquePointer?
    sqlite3_prepare_v2(database, "INSERT INTO events(ts, key, value) VALUES (?, ?, ?)", -1, &insert, nil)
    started = now()
    for batch in batches {
        sqlite3_exec(database, "BEGIN", nil, nil, nil)
        for record in batch {
            sqlite3_bind_int64(insert, 1, record.timestamp.milliseconds)
            record.key!.withUnsafeBytes { _ = sqlite3_bind_blob(insert, 2, $0.baseAddress, Int32($0.count), transient) }
            record.value!.withUnsafeBytes { _ = sqlite3_bind_blob(insert, 3, $0.baseAddress, Int32($0.count), transient) }
            sqlite3_step(insert)
            sqlite3_reset(insert)
        }
        sqlite3_exec(database, "COMMIT", nil, nil, nil)
    }
    sqliteSeconds = min(sqliteSeconds, now() - started)
    sqlite3_finalize(insert)
}
let sqliteInsertRate = Double(arguments.events) / sqliteSeconds
report("batched append", rewind: appendRate, unit: "events/s", baseline: sqliteInsertRate, baselineName: "SQLite insert", goal: "≥ 5M/s, ≥ 4× SQLite")

let durableBatches = Array(batches.prefix(200))
batches = [] // the prepared rows are ~2 GB at 10M events; free them so the scan's memory is its own
malloc_trim(0)
try partition.sync()

// MARK: 2. Full scan

print("\n2. full scan (CRC check + record decode)")
let logBytes = Double(try partition.sizeInBytes())
var bestScan = Double.infinity
let rssBeforeScan = residentMegabytes()
var rssDuringScan = 0.0
var checksum = 0
for _ in 0..<3 {
    started = now()
    var count = 0
    try partition.forEachRecord(from: .zero) { record, _ in
        count += 1
        checksum &+= (record.value?.count ?? 0) &+ (record.key?.count ?? 0)
        if count & 0xFFFFF == 0 { rssDuringScan = max(rssDuringScan, residentMegabytes()) }
        return true
    }
    bestScan = min(bestScan, now() - started)
    precondition(count == arguments.events, "scan saw \(count) events")
}
let scanRate = Double(arguments.events) / bestScan

var select: OpaquePointer?
sqlite3_prepare_v2(database, "SELECT ts, key, value FROM events", -1, &select, nil)
var bestSelect = Double.infinity
for _ in 0..<2 {
    started = now()
    var rowsSeen = 0
    while sqlite3_step(select) == SQLITE_ROW {
        checksum &+= Int(sqlite3_column_bytes(select, 2)) &+ Int(sqlite3_column_bytes(select, 1)) &+ Int(sqlite3_column_int64(select, 0) & 1)
        _ = sqlite3_column_blob(select, 2)
        rowsSeen += 1
    }
    sqlite3_reset(select)
    bestSelect = min(bestSelect, now() - started)
    precondition(rowsSeen == arguments.events)
}
sqlite3_finalize(select)
let selectRate = Double(arguments.events) / bestSelect

var bestRead = Double.infinity
let segmentFiles = try FileSystem.listDirectory(logDirectory + "/bench-0").filter { $0.hasSuffix(".log") }
var buffer = [UInt8](repeating: 0, count: 1 << 20)
for _ in 0..<3 {
    started = now()
    for name in segmentFiles {
        let file = try SystemFile(path: logDirectory + "/bench-0/" + name, mode: .readOnly)
        var position: Int64 = 0
        while true {
            let got = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: position) }
            if got == 0 { break }
            checksum &+= Int(buffer[0])
            position += Int64(got)
        }
    }
    bestRead = min(bestRead, now() - started)
}
report("full scan", rewind: scanRate, unit: "events/s", baseline: selectRate, baselineName: "SQLite SELECT", goal: "≥ 40M/s, ≥ 5× SQLite")
report("full scan bytes", rewind: logBytes / bestScan / 1e6, unit: "MB/s", baseline: logBytes / bestRead / 1e6, baselineName: "read(2) of the same bytes", goal: "as close to read(2) as decoding allows")
print("  resident memory: \(String(format1: rssBeforeScan)) MB before the scans, at most \(String(format1: rssDuringScan)) MB during them (log is \(String(format1: logBytes / 1_048_576)) MB)")

// MARK: 3. Seek by timestamp

print("\n3. seek by timestamp")
var random = SystemRandomNumberGenerator()
let lastTime = baseTime + Int64(arguments.events) * 10
let targets = (0..<20_000).map { _ in Int64.random(in: baseTime...lastTime, using: &random) }
_ = try partition.offset(forTimestamp: Timestamp(milliseconds: targets[0])) // load indexes once, as an open log has
var seekTimes: [Double] = []
for target in targets {
    let start = now()
    let offset = try partition.offset(forTimestamp: Timestamp(milliseconds: target))
    seekTimes.append(now() - start)
    precondition(offset.rawValue == (target - baseTime + 9) / 10, "seek to \(target) gave \(offset)")
}
seekTimes.sort()
sqlite3_exec(database, "CREATE INDEX events_ts ON events(ts)", nil, nil, nil)
var seek: OpaquePointer?
sqlite3_prepare_v2(database, "SELECT rowid FROM events WHERE ts >= ? ORDER BY ts LIMIT 1", -1, &seek, nil)
var sqliteSeekTimes: [Double] = []
for target in targets {
    let start = now()
    sqlite3_bind_int64(seek, 1, target)
    _ = sqlite3_step(seek)
    checksum &+= Int(sqlite3_column_int64(seek, 0))
    sqlite3_reset(seek)
    sqliteSeekTimes.append(now() - start)
}
sqlite3_finalize(seek)
sqliteSeekTimes.sort()
let median = seekTimes[seekTimes.count / 2] * 1e6
let p99 = seekTimes[seekTimes.count * 99 / 100] * 1e6
report("seek by time, median", rewind: median, unit: "µs", baseline: sqliteSeekTimes[sqliteSeekTimes.count / 2] * 1e6,
       baselineName: "SQLite indexed ts lookup", higherIsBetter: false, goal: "≤ 100 µs")
print("  seek p99: \(String(format1: p99)) µs over \(targets.count) random times")
sqlite3_close(database)
log.close()

// MARK: 4. Durable append

print("\n4. durable append (fdatasync per batch)")
// Earlier sections leave gigabytes of dirty pages; flush them so neither side pays for their writeback.
sync()
let durableDirectory = arguments.directory + "/durable"
let durableLog = try EventLog.open(durableDirectory, mode: .readWrite, create: true)
try durableLog.createTopic("d", config: TopicConfig(partitions: 1, segmentBytes: 1 << 30))
let durablePartition = try durableLog.partition(TopicPartition(topic: "d", partition: 0))
let raw = try SystemFile(path: arguments.directory + "/raw-chunks", mode: .createOrTruncate)
var rawPosition: Int64 = 0
var durableSeconds = Double.infinity, rawSeconds = Double.infinity
var durableBytes = 0.0
// Alternate rounds (Rewind, baseline, Rewind, …) so drifts in the disk's state hit both alike.
for _ in 0..<3 {
    let sizeBefore = try durablePartition.sizeInBytes()
    started = now()
    for batch in durableBatches { try durablePartition.append(batch, durable: true) }
    durableSeconds = min(durableSeconds, now() - started)
    durableBytes = Double(try durablePartition.sizeInBytes() - sizeBefore)
    let chunk = [UInt8](repeating: 0x42, count: Int(durableBytes) / durableBatches.count)
    started = now()
    for _ in durableBatches {
        try raw.write(chunk, at: rawPosition)
        rawPosition += Int64(chunk.count)
        try raw.syncData()
    }
    rawSeconds = min(rawSeconds, now() - started)
}
report("durable append", rewind: durableBytes / durableSeconds / 1e6, unit: "MB/s", baseline: durableBytes / rawSeconds / 1e6,
       baselineName: "write+fdatasync of same-size chunks", goal: "≥ 80% of baseline")
print("  durable events/s: \(format(Double(durableBatches.count * arguments.batch) / durableSeconds)) with \(arguments.batch)-event batches")

// Group commit: 4 threads of small durable appends share fdatasyncs.
let threads = 4, perThread = 500
let groupStart = now()
let latencies = LatencyBox()
let threadHandles = (0..<threads).map { thread -> pthread_t in
    var handle = pthread_t()
    let context = Unmanaged.passRetained(GroupContext(partition: durablePartition, thread: thread, count: perThread, latencies: latencies)).toOpaque()
    pthread_create(&handle, nil, { pointer in
        let context = Unmanaged<GroupContext>.fromOpaque(pointer!).takeRetainedValue()
        for n in 0..<context.count {
            let start = now()
            _ = try! context.partition.append([makeRecord(n)], durable: true)
            context.latencies.add(now() - start)
        }
        return nil
    }, context)
    return handle
}
for handle in threadHandles { pthread_join(handle, nil) }
let groupSeconds = now() - groupStart
let sorted = latencies.values.sorted()
print("  group commit: \(threads) threads × \(perThread) single-event durable appends: \(format(Double(threads * perThread) / groupSeconds)) events/s, p99 latency \(String(format1: sorted[sorted.count * 99 / 100] * 1000)) ms")
durableLog.close()

final class GroupContext {
    let partition: PartitionLog, thread: Int, count: Int, latencies: LatencyBox
    init(partition: PartitionLog, thread: Int, count: Int, latencies: LatencyBox) {
        self.partition = partition; self.thread = thread; self.count = count; self.latencies = latencies
    }
}

final class LatencyBox: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private(set) var values: [Double] = []
    init() { pthread_mutex_init(&mutex, nil) }
    func add(_ value: Double) { pthread_mutex_lock(&mutex); values.append(value); pthread_mutex_unlock(&mutex) }
}

if !arguments.storageOnly {
    try runViewsBenchmark(events: arguments.events, directory: arguments.directory)
    try runTablesBenchmark(events: arguments.events, directory: arguments.directory)
    try runConcurrencyBenchmark(events: arguments.events, directory: arguments.directory)
    try runInteropBenchmark(events: arguments.events, directory: arguments.directory)
    try runColdOpenBenchmark(options: arguments.cold, directory: arguments.directory)
}

print("\n| figure | Rewind | baseline (same run) | ratio | goal |")
print("|---|---|---|---|---|")
for row in rows { print("| \(row.label) | \(row.rewind) | \(row.baseline) | \(row.ratio) | \(row.goal) |") }
print("(checksum \(checksum & 0xFFFF))")
try? FileSystem.removeTree(arguments.directory)

/// glibc's malloc_trim (malloc.h is not in the Glibc module): returns freed heap to the OS so the
/// scan's resident-memory figure is not hidden under the freed input rows.
@_silgen_name("malloc_trim") func malloc_trim(_ pad: Int) -> Int32
