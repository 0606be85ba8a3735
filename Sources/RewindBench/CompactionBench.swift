import EventLog
import Glibc

// Compaction throughput: a compacted topic of `megabytes` MB over 100k keys (every key rewritten
// many times), cleaned by `EventLog.compact`, against copying the same sealed segment bytes in the
// same run (pread of each segment, pwrite to a new file, fsync): the floor any rewrite that reads
// every byte and makes its output durable has. `RewindBench --compaction-only [--compaction-mb N]`.

func runCompactionBenchmark(megabytes: Int, directory: String) throws {
    let path = directory + "/compaction"
    try? FileSystem.removeTree(path)
    let log = try EventLog.open(path, mode: .readWrite, create: true)
    var config = TopicConfig(partitions: 1, segmentBytes: 128 << 20)
    config.cleanupPolicy = .compact
    try log.createTopic("changelog", config: config)
    let partition = try log.partition(TopicPartition(topic: "changelog", partition: 0))
    let keys = (0..<100_000).map { Array("customer-\($0)".utf8) }
    var n = 0
    var batch: [ProducerRecord] = []
    let started = now()
    while try partition.sizeInBytes() < Int64(megabytes) << 20 {
        for _ in 0..<1000 {
            var value = [UInt8](repeating: UInt8(ascii: "x"), count: 200)
            var m = n
            for index in 0..<8 { value[index] = UInt8(48 + m % 10); m /= 10 }
            batch.append(ProducerRecord(key: keys[n % keys.count], value: value, timestamp: Timestamp(milliseconds: baseTime + Int64(n))))
            n += 1
        }
        try partition.append(batch)
        batch.removeAll(keepingCapacity: true)
    }
    try partition.sync()
    log.close()
    print("compaction: wrote \(n) records (\(megabytes) MB, 100k keys) in \(String(format1: now() - started)) s")
    let partitionDirectory = path + "/changelog-0"
    let sealed = try FileSystem.listDirectory(partitionDirectory).filter { $0.hasSuffix(".log") }.sorted().dropLast()
    var sealedBytes: Int64 = 0
    for name in sealed { sealedBytes += try FileSystem.fileSize(partitionDirectory + "/" + name) }

    // Baseline: copy every sealed segment (read whole, write, fsync), as a rewrite of them must.
    let copyStarted = now()
    for name in sealed {
        let bytes = try SystemFile(path: partitionDirectory + "/" + name, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
        let copy = try SystemFile(path: directory + "/compaction-copy.log", mode: .createOrTruncate)
        try copy.write(bytes, at: 0)
        try copy.sync()
        copy.close()
    }
    let copySeconds = now() - copyStarted
    try FileSystem.remove(directory + "/compaction-copy.log")

    let compactStarted = now()
    let reports = try EventLog.compact(path, topic: "changelog", now: Timestamp(milliseconds: baseTime + Int64(n)), force: true)
    let compactSeconds = now() - compactStarted
    let cleaned = reports[0]
    let megabytesRead = Double(sealedBytes) / 1_048_576
    print("compaction: \(cleaned.recordsRead) records in \(sealed.count) sealed segments → \(cleaned.recordsKept) kept, \(cleaned.bytesRead) → \(cleaned.bytesWritten) bytes, \(String(format1: compactSeconds)) s; copy \(String(format1: copySeconds)) s")
    report("compaction of \(megabytes) MB, 100k keys (MB/s of sealed segments)", rewind: megabytesRead / compactSeconds, unit: "MB/s",
           baseline: megabytesRead / copySeconds, baselineName: "copy: read+write+fsync", goal: "reported")
    try? FileSystem.removeTree(path)
}
