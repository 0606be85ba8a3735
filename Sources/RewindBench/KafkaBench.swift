import EventLog
import Interop
import KafkaClient

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
