import EventLog
import Explorer
import Foundation
import Interop
import KafkaClient
import LogSources
import Projections
import Scenarios

/// Seek by time + the first page of 50 records over kafka:// (ListOffsets, then one Fetch of
/// 256 KiB), 500 random times, against the same seeks on the embedded copy of the topic (the
/// baseline: no network). Goal p99 ≤ 20 ms.
func runKafkaSeekBenchmark(url: String, topic: String, local: String) throws {
    let source = try KafkaSource(url: try KafkaURL(parsing: url), decompressor: KafkaCodecs())
    defer { source.close() }
    let log = try EventLog.open(local, mode: .readOnly, decompressor: KafkaCodecs())
    defer { log.close() }
    let partition = TopicPartition(topic: topic, partition: 0)
    let first = try source.read(partition, from: try source.startOffset(of: partition), maxRecords: 1)[0].timestamp
    let last = try source.read(partition, from: try source.endOffset(of: partition).advanced(by: -1), maxRecords: 1)[0].timestamp
    var random = SystemRandomNumberGenerator()
    let targets = (0..<500).map { _ in Timestamp(milliseconds: Int64.random(in: first.milliseconds...last.milliseconds, using: &random)) }
    func measure(_ body: (Timestamp) throws -> [Record]) rethrows -> (p50: Double, p99: Double) {
        var latencies: [Double] = []
        for target in targets {
            let started = now()
            let page = try body(target)
            latencies.append((now() - started) * 1000)
            precondition(page.first.map { $0.timestamp >= target } ?? true, "seek landed before its target")
        }
        latencies.sort()
        return (latencies[latencies.count / 2], latencies[latencies.count * 99 / 100])
    }
    let remote = try measure { target in
        try source.read(partition, from: try source.offset(forTimestamp: target, in: partition), maxRecords: 50)
    }
    let embedded = try measure { target in
        try log.read(partition, from: try log.offset(forTimestamp: target, in: partition), maxRecords: 50)
    }
    print(String(format: "seek by time + first 50 records over kafka:// (500 seeks): p50 %.2f ms, p99 %.2f ms (goal p99 ≤ 20 ms); embedded copy p50 %.3f ms, p99 %.3f ms; p99 ratio kafka/embedded %.1f×",
                 remote.p50, remote.p99, embedded.p50, embedded.p99, remote.p99 / max(embedded.p99, 0.001)))
}

/// The explorer over kafka://, as `rewind open kafka://HOST:PORT/TOPIC` runs it: `ExplorerLog`
/// copies the topic into its local replica through the read path (the open figure), then follows
/// it; every key press is update + session effects + render (the path of `rewind open`). The
/// baseline: the same key sequence, same seed, on the same events opened as a plain local log (a
/// copy of the replica's directory), in the same process. Goal: key → frame p99 ≤ 10 ms.
func runKafkaExplorerBenchmark(url: String, topic: String, directory: String) throws {
    let cacheRoot = directory + "/kafka-explorer-cache"
    try? FileSystem.removeTree(cacheRoot)
    setenv("REWIND_CACHE_DIR", cacheRoot, 1)
    let started = now()
    let remote = try ExplorerLog.open(url + "/" + topic, writable: false, decompressor: KafkaCodecs())
    let openSeconds = now() - started
    defer { remote.close() }
    let events = try remote.log.partitions(of: topic).reduce(Int64(0)) { $0 + (try $1.endOffset().rawValue) }
    let copy = directory + "/kafka-explorer-local"
    try? FileSystem.removeTree(copy)
    let copied = Process()
    copied.executableURL = URL(fileURLWithPath: "/bin/cp")
    copied.arguments = ["-r", remote.log.directory, copy]
    try copied.run()
    copied.waitUntilExit()
    let local = try EventLog.open(copy, mode: .readOnly)
    defer { local.close() }
    let overKafka = try explorerKeyLatencies(remote.log, topic: topic, cacheRoot: cacheRoot + "/snapshots-kafka")
    let overLocal = try explorerKeyLatencies(local, topic: topic, cacheRoot: cacheRoot + "/snapshots-local")
    print(String(format: "explorer over kafka:// (%lld events): open (replica fetched through the read path) %.0f ms = %.0fk events/s; key → frame p50 %.2f ms, p99 %.2f ms (goal p99 ≤ 10 ms); same keys on a local copy p50 %.2f ms, p99 %.2f ms; p99 ratio kafka/local %.2f×",
                 events, openSeconds * 1000, Double(events) / openSeconds / 1000, overKafka.p50, overKafka.p99, overLocal.p50, overLocal.p99,
                 overKafka.p99 / max(overLocal.p99, 0.001)))
}

/// p50/p99 of key → frame over 600 seeded key sequences (stepping, paging, both ends, time jumps,
/// pane switches), ticks between them so background work catches up as in the terminal.
private func explorerKeyLatencies(_ log: EventLog, topic: String, cacheRoot: String) throws -> (p50: Double, p99: Double) {
    let session = ExplorerSession(log: log, snapshots: SnapshotStore(logDirectory: log.directory, cacheRoot: cacheRoot, writesInBackground: true),
                                  now: { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }, monotonic: now)
    var state = ExplorerState()
    state.width = 100
    state.height = 30
    func drain(_ effects: [Effect]) {
        var pending = effects
        session.drain(&pending, into: &state)
    }
    drain([.loadTopics])
    var screen = Explorer.render(state, width: 100, height: 30)
    precondition(screen.text.contains("Events \(topic)-0"), "first frame lacks the events pane: \(screen.text.prefix(400))")
    let keys: [[Key]] = [[.character("j")], [.character("k")], [.pageDown], [.pageUp], [.character("G")], [.character("g")],
                         [.character("]")], [.character("[")], [.character("t"), .character("-"), .character("5"), .character("m"), .enter],
                         [.tab, .character("j"), .backTab]]
    var random = ScenarioRandom(seed: 42) // the same key sequence for both sides of the comparison
    var latencies: [Double] = []
    for _ in 0..<600 {
        let sequence = keys[Int(random.next() % UInt64(keys.count))]
        let start = now()
        for key in sequence { drain(Explorer.update(&state, .key(key))) }
        screen = Explorer.render(state, width: 100, height: 30)
        latencies.append((now() - start) * 1000 / Double(sequence.count))
        for _ in 0..<3 {
            drain(Explorer.update(&state, .tick))
            screen = Explorer.render(state, width: 100, height: 30)
        }
    }
    latencies.sort()
    return (latencies[latencies.count / 2], latencies[latencies.count * 99 / 100])
}
