import EventLog
import Glibc

/// Section 7: concurrency. (a) One writer appends `events` events in batches of 100 while two
/// readers follow the same partition (waiting on the writer's condition, as `consume --follow`
/// does in-process); each reader checks it sees every offset exactly once, in order, with the value
/// written there, and measures how far behind the writer it is (from the moment the writer started
/// appending a batch to the moment the reader has decoded it). Baseline: the same writer alone.
/// (b) Eight producer threads append single events concurrently, durable (group commit) and not;
/// every offset must be handed out exactly once. Baseline: one thread doing the same.
func runConcurrencyBenchmark(events: Int, directory: String) throws {
    print("\n7. concurrency: one writer, two followers; many small producers")
    let batchSize = 100
    let batchCount = events / batchSize
    let batches = (0..<min(batchCount, 1000)).map { index in (0..<batchSize).map { makeRecord(index * batchSize + $0) } }

    func writeAll(_ partition: PartitionLog, starts: UnsafeMutablePointer<Double>?) throws -> Double {
        let started = now()
        for index in 0..<batchCount {
            starts?[index] = now()
            // Reuse prepared rows; readers check the offset-derived digits, so re-stamp the first 8 bytes.
            var batch = batches[index % batches.count]
            if index >= batches.count { for n in batch.indices { batch[n] = makeRecord(index * batchSize + n) } }
            try partition.append(batch)
        }
        return now() - started
    }

    // Baseline: the writer alone.
    let aloneLog = try freshLog(directory + "/alone")
    let aloneSeconds = try writeAll(try aloneLog.partition(TopicPartition(topic: "t", partition: 0)), starts: nil)
    aloneLog.close()
    try? FileSystem.removeTree(directory + "/alone")

    let log = try freshLog(directory + "/tail")
    let partition = try log.partition(TopicPartition(topic: "t", partition: 0))
    let starts = UnsafeMutablePointer<Double>.allocate(capacity: batchCount)
    defer { starts.deallocate() }
    let readers = (0..<2).map { _ in FollowerContext(partition: partition, total: batchCount * batchSize, batchSize: batchSize, starts: starts) }
    let handles = readers.map { reader -> pthread_t in
        var handle = pthread_t()
        pthread_create(&handle, nil, { pointer in
            Unmanaged<FollowerContext>.fromOpaque(pointer!).takeUnretainedValue().follow()
            return nil
        }, Unmanaged.passUnretained(reader).toOpaque())
        return handle
    }
    let writerSeconds = try writeAll(partition, starts: starts)
    for handle in handles { pthread_join(handle, nil) }
    log.close()
    for (index, reader) in readers.enumerated() {
        precondition(reader.failure == nil, "reader \(index): \(reader.failure!)")
        precondition(reader.seen == batchCount * batchSize, "reader \(index) saw \(reader.seen) events")
    }
    let lags = readers.flatMap(\.lags).sorted()
    let writerRate = Double(batchCount * batchSize) / writerSeconds
    report("append with 2 followers", rewind: writerRate, unit: "events/s", baseline: Double(batchCount * batchSize) / aloneSeconds,
           baselineName: "the writer alone", goal: "followers cost the writer little")
    print("  each follower saw all \(batchCount * batchSize) events exactly once, in order; lag behind the writer p50 \(String(format1: lags[lags.count / 2] * 1000)) ms, p99 \(String(format1: lags[lags.count * 99 / 100] * 1000)) ms, max \(String(format1: lags.last! * 1000)) ms")
    rows.append(Row(label: "follower lag p50 / p99", rewind: "\(String(format1: lags[lags.count / 2] * 1000)) / \(String(format1: lags[lags.count * 99 / 100] * 1000)) ms",
                    baseline: "—", ratio: "—", goal: "every event once, in order"))
    try? FileSystem.removeTree(directory + "/tail")

    for durable in [false, true] {
        let perThread = durable ? 500 : 20_000
        let single = try producers(threads: 1, perThread: perThread * 8, durable: durable, directory: directory)
        let many = try producers(threads: 8, perThread: perThread, durable: durable, directory: directory)
        let label = durable ? "8 durable producers" : "8 producers"
        report(label, rewind: many.rate, unit: "events/s", baseline: single.rate, baselineName: "1 thread, same events",
               goal: durable ? "group commit shares fdatasyncs" : "no lost or duplicated offsets")
        print("  \(label): p99 append latency \(String(format1: many.p99 * 1e6)) µs (1 thread: \(String(format1: single.p99 * 1e6)) µs); \(perThread * 8) offsets, each handed out once")
    }
}

private func freshLog(_ path: String) throws -> EventLog {
    try? FileSystem.removeTree(path)
    let log = try EventLog.open(path, mode: .readWrite, create: true)
    try log.createTopic("t", config: TopicConfig(partitions: 1, segmentBytes: 256 << 20))
    return log
}

/// `threads` threads each appending `perThread` single events; checks the offsets handed out are
/// exactly 0..<total. Returns events/s and the p99 latency of one append.
private func producers(threads: Int, perThread: Int, durable: Bool, directory: String) throws -> (rate: Double, p99: Double) {
    let path = directory + "/producers"
    let log = try freshLog(path)
    let partition = try log.partition(TopicPartition(topic: "t", partition: 0))
    let contexts = (0..<threads).map { ProducerContext(partition: partition, thread: $0, count: perThread, durable: durable) }
    let started = now()
    let handles = contexts.map { context -> pthread_t in
        var handle = pthread_t()
        pthread_create(&handle, nil, { pointer in
            Unmanaged<ProducerContext>.fromOpaque(pointer!).takeUnretainedValue().run()
            return nil
        }, Unmanaged.passUnretained(context).toOpaque())
        return handle
    }
    for handle in handles { pthread_join(handle, nil) }
    let seconds = now() - started
    log.close()
    try? FileSystem.removeTree(path)
    let offsets = contexts.flatMap(\.offsets).sorted()
    precondition(offsets == Array(0..<Int64(threads * perThread)), "offsets lost or handed out twice")
    let latencies = contexts.flatMap(\.latencies).sorted()
    return (Double(threads * perThread) / seconds, latencies[latencies.count * 99 / 100])
}

private final class ProducerContext {
    let partition: PartitionLog, thread: Int, count: Int, durable: Bool
    var offsets: [Int64] = []
    var latencies: [Double] = []
    init(partition: PartitionLog, thread: Int, count: Int, durable: Bool) {
        self.partition = partition; self.thread = thread; self.count = count; self.durable = durable
    }

    func run() {
        offsets.reserveCapacity(count)
        latencies.reserveCapacity(count)
        for n in 0..<count {
            let start = now()
            let result = try! partition.append([makeRecord(thread * count + n)], durable: durable)
            latencies.append(now() - start)
            offsets.append(result.firstOffset.rawValue)
        }
    }
}

private final class FollowerContext {
    let partition: PartitionLog, total: Int, batchSize: Int
    let starts: UnsafeMutablePointer<Double>
    var seen = 0
    var lags: [Double] = []
    var failure: String?
    init(partition: PartitionLog, total: Int, batchSize: Int, starts: UnsafeMutablePointer<Double>) {
        self.partition = partition; self.total = total; self.batchSize = batchSize; self.starts = starts
    }

    func follow() {
        var next: Int64 = 0
        do {
            while next < Int64(total) {
                let end = try partition.waitForRecords(after: Offset(next), timeoutMs: 1000)
                guard end.rawValue > next else { continue }
                try partition.forEachRecord(from: Offset(next)) { record, _ in
                    guard record.offset.rawValue == next else {
                        failure = "expected offset \(next), got \(record.offset)"
                        return false
                    }
                    guard let value = record.value, value.count >= 8,
                          (0..<8).allSatisfy({ Int(value[$0]) - 48 == Int(next) / pow10($0) % 10 }) else {
                        failure = "wrong value at offset \(next)"
                        return false
                    }
                    next += 1
                    seen += 1
                    if next % Int64(batchSize) == 0 { lags.append(now() - starts[Int(next) / batchSize - 1]) }
                    return next < Int64(total)
                }
                if failure != nil { return }
            }
        } catch {
            failure = "\(error)"
        }
    }
}

private func pow10(_ exponent: Int) -> Int { (0..<exponent).reduce(1) { value, _ in value * 10 } }
