import EventLog
import Explorer
import Glibc
import Interop
import Projections
import Scenarios

/// Section 9: open → first frame with the page cache dropped before each open (a capture read
/// straight off a disk or an archive) and warm right after, through the explorer's own path
/// (`loadTopics` and the effects it asks for, then `render`), as `ExplorerBench` measures it.
/// Every log's figures are printed as a ratio to the 20k-event log's in the same run, so the load
/// other work puts on the machine cancels out. Logs are generated once under `--dir`/cold and kept
/// with `--cold-keep`.
struct ColdOpenOptions {
    var sizes = [20_000, 1_000_000, 10_000_000]
    var kafkaBytes = 1_200_000_000
    var partitions = 600
    var rounds = 3
    var keep = false
}

func runColdOpenBenchmark(options: ColdOpenOptions, directory: String) throws {
    print("\n9. open → first frame, page cache dropped before each open (cold) and not (warm)")
    let root = directory + "/cold"
    try FileSystem.createDirectories(root)
    var logs: [(label: String, path: String)] = []
    for size in options.sizes {
        let path = root + "/bank-\(size)"
        try prepare(path, keep: options.keep) { try generateBank(path, events: size) }
        logs.append(("bank, \(compactCount(size)) events, 3 partitions", path))
    }
    if options.kafkaBytes > 0 {
        let path = root + "/kafka-\(options.kafkaBytes / 1_000_000)MB"
        try prepare(path, keep: options.keep) { try generateKafkaDataDir(path, bytes: options.kafkaBytes) }
        logs.append(("Kafka data dir, \(options.kafkaBytes / 1_000_000) MB, 1 partition", path))
    }
    if options.partitions > 0 {
        let path = root + "/partitions-\(options.partitions)"
        try prepare(path, keep: options.keep) { try generateManyPartitions(path, partitions: options.partitions) }
        logs.append(("Kafka data dir, \(options.partitions) partitions", path))
    }
    print("  load average before: \(loadAverage())")
    var results: [(label: String, cold: OpenTiming, warm: OpenTiming)] = []
    for (label, path) in logs {
        var cold: [OpenTiming] = [], warm: [OpenTiming] = []
        for _ in 0..<options.rounds {
            PageCache.evict(path)
            let residentAfterEvict = PageCache.residentFraction(path)
            var timing = try timeOpen(path, cacheRoot: root + "/explorer-cache")
            timing.residentBefore = residentAfterEvict
            cold.append(timing)
            warm.append(try timeOpen(path, cacheRoot: root + "/explorer-cache"))
        }
        results.append((label, OpenTiming.median(cold), OpenTiming.median(warm)))
        let c = results.last!.cold, w = results.last!.warm
        print("  \(label): cold \(String(format2: c.ms)) ms (\(String(format1: Double(c.diskBytes) / 1_048_576)) MB from disk, \(String(format1: c.residentBefore * 100))% cached before), warm \(String(format2: w.ms)) ms")
        print("    cold by effect: \(c.byEffect.sorted { $0.value > $1.value }.prefix(5).map { "\($0.key) \(String(format1: $0.value)) ms" }.joined(separator: ", "))")
    }
    guard let baseline = results.first else { return }
    print("\n  | log | cold first frame | × 20k | warm first frame | × 20k | read from disk (cold) |")
    print("  |---|---|---|---|---|---|")
    for result in results {
        print("  | \(result.label) | \(String(format2: result.cold.ms)) ms | \(String(format2: result.cold.ms / baseline.cold.ms))× | \(String(format2: result.warm.ms)) ms | \(String(format2: result.warm.ms / baseline.warm.ms))× | \(String(format1: Double(result.cold.diskBytes) / 1_048_576)) MB |")
    }
    print("  median of \(options.rounds) rounds each; load average after: \(loadAverage())")
    for result in results {
        let ratio = String(format2: result.cold.ms / baseline.cold.ms) + "×"
        rows.append(Row(label: "cold first frame: \(result.label)", rewind: "\(String(format2: result.cold.ms)) ms",
                        baseline: "\(String(format2: baseline.cold.ms)) ms (20k-event log)", ratio: ratio, goal: "≤ 2× the 20k log, ≤ 300 ms"))
    }
    for result in results {
        let ratio = String(format2: result.warm.ms / baseline.warm.ms) + "×"
        rows.append(Row(label: "warm first frame: \(result.label)", rewind: "\(String(format2: result.warm.ms)) ms",
                        baseline: "\(String(format2: baseline.warm.ms)) ms (20k-event log)", ratio: ratio, goal: "≤ 6.5 ms"))
    }
}

struct OpenTiming {
    var ms: Double
    var diskBytes: Int64
    var byEffect: [String: Double]
    var residentBefore = 0.0

    static func median(_ timings: [OpenTiming]) -> OpenTiming { timings.sorted { $0.ms < $1.ms }[timings.count / 2] }
}

/// One open → first frame, the effects timed one by one (where the cold time goes). The session's
/// background work (integrity verify) is waited for before returning, so it never overlaps the
/// next open; it is outside the timed part.
private func timeOpen(_ path: String, cacheRoot: String) throws -> OpenTiming {
    try? FileSystem.removeTree(cacheRoot) // no snapshots: the first open of a capture
    let diskBefore = PageCache.bytesReadFromDisk()
    let start = now()
    let log = try EventLog.open(path, mode: .readOnly, decompressor: KafkaCodecs())
    defer { log.close() }
    let session = ExplorerSession(log: log, snapshots: SnapshotStore(logDirectory: path, cacheRoot: cacheRoot, writesInBackground: true),
                                  now: { Timestamp(milliseconds: 1_700_000_000_000) })
    var state = ExplorerState()
    state.width = 100
    state.height = 30
    var byEffect: [String: Double] = ["open": (now() - start) * 1000]
    var pending: [Effect] = [.loadTopics]
    // session.drain's loop, with a clock around each effect.
    while !pending.isEmpty {
        let effect = pending.removeFirst()
        let effectStart = now()
        let messages = session.perform(effect)
        let name = String(String(describing: effect).prefix { $0 != "(" })
        byEffect[name, default: 0] += (now() - effectStart) * 1000
        for message in messages { pending += Explorer.update(&state, message) }
    }
    let screen = Explorer.render(state, width: 100, height: 30)
    let ms = (now() - start) * 1000
    precondition(!state.events.isEmpty && screen.text.contains("Events "), "the first frame of \(path) shows no events")
    let diskBytes = PageCache.bytesReadFromDisk() - diskBefore
    session.waitForBackgroundChecks()
    return OpenTiming(ms: ms, diskBytes: diskBytes, byEffect: byEffect)
}

/// Builds a log once; with `keep`, a log left by an earlier run (its marker file present) is reused.
private func prepare(_ path: String, keep: Bool, _ build: () throws -> Void) throws {
    let marker = path + ".complete"
    if keep && FileSystem.exists(marker) && FileSystem.isDirectory(path) { return }
    try? FileSystem.removeTree(path)
    try? FileSystem.remove(marker)
    let started = now()
    try build()
    try SystemFile(path: marker, mode: .createOrTruncate).write(Array("ok\n".utf8), at: 0)
    print("  generated \(path) in \(String(format1: now() - started)) s")
}

/// What `rewind generate bank --events N` writes: 3 partitions, 10,000-event appends.
private func generateBank(_ path: String, events: Int) throws {
    let log = try EventLog.open(path, mode: .readWrite, create: true)
    defer { log.close() }
    try log.createTopic("payments", config: TopicConfig(partitions: 3))
    let span: Int64 = 3 * 86_400_000
    var generator = BankGenerator(seed: 42, accounts: 300, start: Timestamp(milliseconds: 1_700_000_000_000 - span), spanMs: span, events: events)
    var remaining = events
    while remaining > 0 {
        let chunk = min(remaining, 10_000)
        _ = try log.append(generator.generate(chunk), to: "payments")
        remaining -= chunk
    }
}

/// A broker's data dir of one partition: 1 GiB segments (Kafka's `segment.bytes` default) of
/// 100-record batches (~14 KB, about a producer's default 16 KiB `batch.size`), Kafka's indexes,
/// no `rewind.json`, no chains.
private func generateKafkaDataDir(_ path: String, bytes: Int) throws {
    let log = try EventLog.open(path, mode: .readWrite, create: true)
    try log.createTopic("orders", config: TopicConfig(partitions: 1, segmentBytes: 1 << 30))
    let partition = try log.partition(TopicPartition(topic: "orders", partition: 0))
    var n = 0
    while try partition.sizeInBytes() < Int64(bytes) {
        try partition.append((0..<100).map { _ in defer { n += 1 }; return coldOrderRecord(n) })
    }
    log.close()
    try stripToKafkaFiles(path)
}

/// A broker's data dir of many partitions: topics of 50 partitions (the collapsed case in the
/// topics pane), 2,000 events each in 100-record batches.
private func generateManyPartitions(_ path: String, partitions: Int) throws {
    let log = try EventLog.open(path, mode: .readWrite, create: true)
    let perTopic = 50
    var n = 0
    for topicIndex in 0..<((partitions + perTopic - 1) / perTopic) {
        let count = min(perTopic, partitions - topicIndex * perTopic)
        let topic = "orders\(topicIndex)"
        try log.createTopic(topic, config: TopicConfig(partitions: Int32(count)))
        for index in 0..<count {
            let partition = try log.partition(TopicPartition(topic: topic, partition: Int32(index)))
            for _ in 0..<20 { try partition.append((0..<100).map { _ in defer { n += 1 }; return coldOrderRecord(n) }) }
        }
    }
    log.close()
    try stripToKafkaFiles(path)
}

private func stripToKafkaFiles(_ path: String) throws {
    try FileSystem.remove(path + "/rewind.json")
    for directory in try FileSystem.listDirectory(path) where FileSystem.isDirectory(path + "/" + directory) {
        for name in try FileSystem.listDirectory(path + "/" + directory) where name.hasSuffix(".chain") {
            try FileSystem.remove(path + "/" + directory + "/" + name)
        }
    }
}

private func coldOrderRecord(_ n: Int) -> ProducerRecord {
    let value = #"{"order":"o-\#(n)","customer":"c\#(n % 9973)","status":"\#(["placed", "paid", "shipped", "delivered"][n % 4])","amount":\#(n % 50_000),"items":\#(1 + n % 7),"note":"\#(String(repeating: "x", count: n % 40))"}"#
    // One event per 10 ms: a 1.2 GB capture spans about a day.
    return ProducerRecord(key: Array("c\(n % 9973)".utf8), value: Array(value.utf8), timestamp: Timestamp(milliseconds: 1_700_000_000_000 + Int64(n) * 10))
}

private func compactCount(_ count: Int) -> String {
    count >= 1_000_000 ? "\(count / 1_000_000)M" : count >= 1000 ? "\(count / 1000)k" : "\(count)"
}

private func loadAverage() -> String {
    PageCache.procText("/proc/loadavg").split(separator: " ").prefix(3).joined(separator: " ")
}

extension String {
    init(format2 value: Double) {
        self = value >= 100 ? String(Int(value.rounded())) : value >= 10 ? String(format1: value) : String((value * 100).rounded() / 100)
    }
}
