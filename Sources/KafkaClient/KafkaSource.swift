import Basics
import EventLog

/// A live Kafka cluster behind Rewind's read path (`LogSource`): topics and partitions from
/// Metadata, start/end offsets and seeks by time from ListOffsets, records from Fetch (whole
/// batches, every codec, decoded by the engine's batch decoder).
///
/// Costs: `read` keeps the records of the last Fetch per partition, so a reader walking forward
/// in pages (the consume loop asks 1,000 at a time, the explorer 50) makes one Fetch per 8 MiB,
/// not one per page; while it reads that buffer the next Fetch is already in flight (`FetchAhead`).
/// A small read (≤ `smallReadRecordsMax`) elsewhere asks 256 KiB, so a seek and
/// its first page is one round trip of little data. `waitForRecords` is a Fetch long poll: the
/// broker answers as soon as a record arrives.
/// Not thread-safe: one thread at a time (the cluster below it is).
public final class KafkaSource: LogSource, @unchecked Sendable {
    public let url: KafkaURL
    public let cluster: KafkaCluster
    private var buffers: [TopicPartition: Buffer] = [:]
    /// The Fetch in flight after the buffer of each partition a reader walks forward in.
    private var ahead: [TopicPartition: FetchAhead] = [:]
    /// Session and rebalance timeouts, heartbeat interval and assignors of `joinGroup`'s member.
    public var memberOptions = KafkaGroupMember.Options()
    static var smallReadRecordsMax: Int { 100 }
    static var smallReadBytes: Int32 { 256 << 10 }

    /// Records fetched ahead: `records` cover offsets from `from` up to `next` (holes possible).
    private struct Buffer {
        var from: Offset
        var records: [Record]
        var next: Offset
    }

    public init(url: KafkaURL, options: KafkaCluster.Options = KafkaCluster.Options(), decompressor: BatchDecompressor) throws {
        self.url = url
        cluster = try KafkaCluster(url: url, options: options, decompressor: decompressor)
        if let topic = url.topic {
            do { _ = try cluster.partitions(of: topic) } catch {
                cluster.close()
                throw error
            }
        }
    }

    public convenience init(parsing text: String, decompressor: BatchDecompressor) throws {
        try self.init(url: try KafkaURL(parsing: text), decompressor: decompressor)
    }

    public var location: String { url.description }

    public func close() {
        buffers = [:]
        ahead = [:]
        cluster.close()
    }

    public func topicNames() throws -> [String] {
        if let topic = url.topic { return [topic] }
        return try cluster.topicNames()
    }

    public func partitionNumbers(of topic: String) throws -> [Int32] {
        try cluster.partitions(of: topic).keys.sorted()
    }

    public func startOffset(of partition: TopicPartition) throws -> Offset {
        try cluster.listOffset(partition, .earliest) ?? Offset(0)
    }

    public func endOffset(of partition: TopicPartition) throws -> Offset {
        try cluster.listOffset(partition, .latest) ?? Offset(0)
    }

    public func read(_ partition: TopicPartition, from start: Offset, maxRecords: Int) throws -> [Record] {
        guard maxRecords > 0 else { return [] }
        if let buffer = buffers[partition], buffer.from <= start, start < buffer.next {
            let first = Self.firstIndex(in: buffer.records, atOrAfter: start)
            if first < buffer.records.count {
                return Array(buffer.records[first..<min(buffer.records.count, first + maxRecords)])
            }
        }
        let small = maxRecords <= Self.smallReadRecordsMax
        let bytes = small ? Self.smallReadBytes : KafkaClientLimits.fetchPartitionBytesMax
        let fetched: KafkaCluster.Fetched
        if let sent = ahead.removeValue(forKey: partition), sent.from == start, !small {
            // A failed fetch ahead is asked again: the error the reader sees is a fresh one.
            fetched = try (try? sent.wait()) ?? cluster.fetch(partition, from: start, partitionMaxBytes: bytes)
        } else {
            fetched = try cluster.fetch(partition, from: start, partitionMaxBytes: bytes)
        }
        buffers[partition] = Buffer(from: start, records: fetched.records, next: fetched.nextOffset)
        // Only while the partition holds more than was fetched: at its end the reader waits
        // (`waitForRecords`), and a fetch ahead would only return nothing.
        if !small, !fetched.records.isEmpty, fetched.nextOffset < fetched.highWatermark {
            ahead[partition] = FetchAhead(cluster: cluster, partition: partition, from: fetched.nextOffset, partitionMaxBytes: bytes)
        }
        return Array(fetched.records.prefix(maxRecords))
    }

    /// Binary search: records are in offset order.
    static func firstIndex(in records: [Record], atOrAfter offset: Offset) -> Int {
        var low = 0
        var high = records.count
        while low < high {
            let middle = (low + high) / 2
            if records[middle].offset < offset { low = middle + 1 } else { high = middle }
        }
        return low
    }

    public func offset(forTimestamp timestamp: Timestamp, in partition: TopicPartition) throws -> Offset {
        if let offset = try cluster.listOffset(partition, .timestamp(timestamp)) { return offset }
        return try endOffset(of: partition)
    }

    public func waitForRecords(_ partition: TopicPartition, from offset: Offset, timeoutMs: Int) throws -> Bool {
        let fetched = try cluster.fetch(partition, from: offset, maxWaitMs: timeoutMs, partitionMaxBytes: Self.smallReadBytes)
        if !fetched.records.isEmpty {
            buffers[partition] = Buffer(from: offset, records: fetched.records, next: fetched.nextOffset)
            return true
        }
        return fetched.highWatermark > offset
    }
}
