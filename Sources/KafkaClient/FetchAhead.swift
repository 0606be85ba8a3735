import Basics
import Dispatch
import EventLog

/// One Fetch sent before the reader asks for it: while the consume loop prints the records of one
/// Fetch, the broker reads the next and this client decodes it on another thread, so the wire,
/// the broker and the printing overlap instead of taking turns (kcat's librdkafka keeps fetches
/// in flight the same way).
final class FetchAhead: @unchecked Sendable {
    let partition: TopicPartition
    let from: Offset
    private let lock = ConditionLock()
    private var result: Result<KafkaCluster.Fetched, Error>?

    init(cluster: KafkaCluster, partition: TopicPartition, from: Offset, partitionMaxBytes: Int32) {
        self.partition = partition
        self.from = from
        DispatchQueue.global().async { [self] in
            let outcome = Result { try cluster.fetch(partition, from: from, partitionMaxBytes: partitionMaxBytes) }
            lock.withLock {
                result = outcome
                lock.broadcast()
            }
        }
    }

    /// The answer; bounded by the cluster's request timeout and retries.
    func wait() throws -> KafkaCluster.Fetched {
        try lock.withLock {
            while result == nil { lock.wait() }
            return try result!.get()
        }
    }
}
