import EventLog

/// The identity an idempotent producer gives a batch: bytes 43–56 of its header (producer id,
/// epoch, base sequence). A producer id of -1 means a plain producer, never deduplicated.
struct ProducedBatch: Hashable {
    var producerId: Int64
    var producerEpoch: Int16
    var baseSequence: Int32

    init(_ batch: [UInt8]) {
        func integer(_ range: Range<Int>) -> Int64 { batch[range].reduce(Int64(0)) { $0 << 8 | Int64($1) } }
        producerId = batch.count >= RecordBatchHeader.size ? integer(43..<51) : -1
        producerEpoch = batch.count >= RecordBatchHeader.size ? Int16(truncatingIfNeeded: integer(51..<53)) : -1
        baseSequence = batch.count >= RecordBatchHeader.size ? Int32(truncatingIfNeeded: integer(53..<57)) : -1
    }
}

/// The last batches each idempotent producer stored per partition, so a retried batch (same
/// producer, epoch and base sequence) is answered with its original offset instead of being
/// stored twice. Kafka keeps 5 per producer: librdkafka and the Java client keep at most 5
/// requests in flight with idempotence on. In memory: after a restart a retry of a batch sent
/// before it is stored again (Kafka rebuilds this state from its producer snapshots).
final class RecentProducerBatches: @unchecked Sendable {
    private let lock = ConditionLock()
    private var batches: [TopicPartition: [Int64: [(batch: ProducedBatch, baseOffset: Int64)]]] = [:]
    static let perProducer = 5
    /// Producers remembered per partition; the oldest is forgotten past this.
    static let producersPerPartitionMax = 10_000

    func original(of batch: ProducedBatch, in partition: TopicPartition) -> Int64? {
        guard batch.producerId >= 0 else { return nil }
        return lock.withLock { batches[partition]?[batch.producerId]?.first { $0.batch == batch }?.baseOffset }
    }

    func remember(_ batch: ProducedBatch, baseOffset: Int64, in partition: TopicPartition) {
        guard batch.producerId >= 0 else { return }
        lock.withLock {
            var producers = batches[partition] ?? [:]
            if producers[batch.producerId] == nil, producers.count >= Self.producersPerPartitionMax {
                producers.removeValue(forKey: producers.keys.min()!)
            }
            var recent = producers[batch.producerId] ?? []
            recent.append((batch, baseOffset))
            if recent.count > Self.perProducer { recent.removeFirst(recent.count - Self.perProducer) }
            producers[batch.producerId] = recent
            batches[partition] = producers
        }
    }
}
