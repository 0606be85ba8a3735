import Basics
import EventLog

/// Copies a topic of any `LogSource` into a Kafka topic, partition p → p, exactly once.
///
/// Within a run: an idempotent producer (InitProducerId, then per-partition sequence numbers
/// from 0); a Produce re-sent after a lost connection or a timeout carries the same sequence, and
/// the broker drops it if the first attempt was stored (DUPLICATE_SEQUENCE_NUMBER). Batches are
/// atomic on the broker: after a crash a batch is in the target whole or not at all.
///
/// Across runs (a re-run, or one after kill -9): the target itself is the progress record. Target
/// partition p holds the first N records of source partition p, N = its end offset (the mirror
/// writes from offset 0 of a target it created). The run resumes after the N-th source record:
/// for a source without holes that is source offset `firstPossibleOffset + N - 1`, checked by
/// comparing it with the target's last record (key, value, timestamp, headers); when they differ
/// (the source has holes) the source is counted from its start. A target whose last record is
/// not the N-th source record was not written by this mirror: the run stops before writing.
public final class KafkaMirror {
    public struct Report: Sendable {
        public var published = 0
        /// Records found already in the target at start (skipped on resume).
        public var resumed = 0
        public var created = false
        public var seconds = 0.0
    }

    public let cluster: KafkaCluster
    public let target: String
    /// Records per Produce: 1,000 of a few hundred bytes stay far below Kafka's default 1 MB
    /// message.max.bytes, with one round trip per thousand records.
    public var batchRecordsMax = 2_000
    public var batchBytesMax = 900_000
    /// Called after each acknowledged batch with the records published so far (tests stop here).
    public var progress: ((Int) -> Void)?

    public init(cluster: KafkaCluster, target: String) {
        self.cluster = cluster
        self.target = target
    }

    public func mirror(from source: any LogSource, topic: String, now: () -> Double) throws -> Report {
        let started = now()
        var report = Report()
        let partitions = try source.partitionNumbers(of: topic)
        let existing: [Int32: Int32]?
        do {
            existing = try cluster.partitions(of: target, refresh: true)
        } catch let error as EventLogError where error.code == .notFound {
            existing = nil
        }
        if let existing {
            guard Set(existing.keys).isSuperset(of: partitions) else {
                throw KafkaClientError(.invalidArgument, "target '\(target)' has \(existing.count) partitions, '\(topic)' has \(partitions.count): partition p goes to p",
                                       target: cluster.url.cluster)
            }
        } else {
            report.created = try cluster.createTopic(target, partitions: Int32((partitions.max() ?? 0) + 1))
        }
        let producer = try cluster.initProducerId()
        var encoder = RecordBatchEncoder()
        for number in partitions {
            let from = TopicPartition(topic: topic, partition: number)
            let to = TopicPartition(topic: target, partition: number)
            let (resume, already) = try resumePoint(source, from, to)
            report.resumed += already
            var position = resume
            var sequence: Int32 = 0
            while true {
                let records = try source.read(from, from: position, maxRecords: batchRecordsMax)
                guard let last = records.last else { break }
                let batch = capped(records)
                let identity = ProducerIdentity(producerId: producer.producerId, producerEpoch: producer.epoch, baseSequence: sequence)
                encoder.encode(batch.map { ProducerRecord(key: $0.key, value: $0.value, headers: $0.headers, timestamp: $0.timestamp) },
                               baseOffset: .zero, producer: identity)
                _ = try cluster.produce(encoder.buffer, to: to)
                // Kafka's sequences wrap at Int32.max to 0.
                sequence = sequence > Int32.max - Int32(batch.count) ? Int32(batch.count) - (Int32.max - sequence) - 1 : sequence + Int32(batch.count)
                report.published += batch.count
                position = batch.count == records.count ? last.offset.advanced(by: 1) : batch.last!.offset.advanced(by: 1)
                progress?(report.published)
            }
        }
        report.seconds = now() - started
        return report
    }

    /// Leading records of `records` within `batchBytesMax` (at least one).
    private func capped(_ records: [Record]) -> ArraySlice<Record> {
        var bytes = 0
        for (index, record) in records.enumerated() {
            bytes += (record.key?.count ?? 0) + (record.value?.count ?? 0) + 32
                + record.headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) + 8 }
            if bytes > batchBytesMax, index > 0 { return records[..<index] }
        }
        return records[...]
    }

    /// Where partition `from` continues, and how many of its records `to` already holds.
    private func resumePoint(_ source: any LogSource, _ from: TopicPartition, _ to: TopicPartition) throws -> (Offset, Int) {
        let written = try cluster.listOffset(to, .latest)?.rawValue ?? 0
        let start = try source.startOffset(of: from)
        guard written > 0 else { return (start, 0) }
        guard let mirrored = try cluster.fetch(to, from: Offset(written - 1), maxRecords: 1).records.first else {
            throw KafkaClientError(.broker, "cannot read the last record of \(to.topic)-\(to.partition) to resume", target: cluster.url.cluster)
        }
        let guess = source.firstPossibleOffset.advanced(by: written - 1)
        if let candidate = try source.read(from, from: guess, maxRecords: 1).first, candidate.offset == guess, Self.same(candidate, mirrored) {
            return (guess.advanced(by: 1), Int(written))
        }
        // Holes in the source: count its records from the start.
        var position = start
        var counted: Int64 = 0
        while true {
            let page = try source.read(from, from: position, maxRecords: 5_000)
            guard let last = page.last else { break }
            if counted + Int64(page.count) >= written {
                let record = page[Int(written - counted - 1)]
                if Self.same(record, mirrored) { return (record.offset.advanced(by: 1), Int(written)) }
                break
            }
            counted += Int64(page.count)
            position = last.offset.advanced(by: 1)
        }
        throw KafkaClientError(.invalidArgument, "\(to.topic)-\(to.partition) holds \(written) records that are not the first \(written) of \(from.topic)-\(from.partition): not a mirror of it (choose another target)",
                               target: cluster.url.cluster)
    }

    static func same(_ a: Record, _ b: Record) -> Bool {
        a.key == b.key && a.value == b.value && a.timestamp == b.timestamp && a.headers == b.headers
    }
}
