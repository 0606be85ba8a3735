import Dispatch
import EventLog

/// Partition summaries for the topics pane and the timeline, loaded lazily: a partition's first
/// summary loads its segment indexes and reads its first and last batch, a few random reads on a
/// cold disk, which for all of a 600-partition broker dir were most of its 390 ms cold first frame. The foreground loads only what the frame shows, in parallel; the rest
/// of the focused topic loads in the background, and is dropped when the user leaves the topic
/// (loaded again when they come back).
final class PartitionLoader: @unchecked Sendable {
    private let lock = ConditionLock()
    private var summaries: [TopicPartition: PartitionSummary] = [:]
    private var focusedTopic: String?
    private var running = 0
    private let queue = DispatchQueue(label: "rewind.partitions", qos: .utility)

    /// Whether `partition` was summarized already (its segments are loaded).
    func isLoaded(_ partition: TopicPartition) -> Bool { lock.withLock { summaries[partition] != nil } }

    /// Fresh summaries of `partitions` (in their order), in parallel. A partition that fails to
    /// load has no summary; the caller shows it as not loaded.
    func summarize(_ partitions: [PartitionLog]) -> [PartitionSummary?] {
        let loaded = ParallelReads.map(partitions.count) { index in try? partitions[index].summary() }
        lock.withLock {
            for summary in loaded { if let summary { summaries[summary.topicPartition] = summary } }
        }
        return loaded
    }

    /// Loads the focused topic's partitions that are not loaded yet, in the background, then calls
    /// `then` with all of them (still in the background) unless the focus moved meanwhile.
    func focus(topic: String, in log: EventLog, then: @escaping @Sendable ([PartitionLog]) -> Void) {
        lock.withLock {
            focusedTopic = topic
            running += 1
        }
        queue.async { [self] in
            defer { lock.withLock { running -= 1; lock.broadcast() } }
            guard let partitions = try? log.partitions(of: topic) else { return }
            let missing = partitions.filter { !isLoaded($0.topicPartition) }
            let loaded = ParallelReads.map(missing.count) { [self] index -> PartitionSummary? in
                // Cancelled: the user left the topic.
                guard lock.withLock({ focusedTopic == topic }) else { return nil }
                return try? missing[index].summary()
            }
            let stillFocused = lock.withLock {
                for summary in loaded { if let summary { summaries[summary.topicPartition] = summary } }
                return focusedTopic == topic
            }
            if stillFocused { then(partitions) }
        }
    }

    /// Blocks until no background load is running (tests, benchmarks).
    func waitUntilIdle() {
        lock.withLock { while running > 0 { lock.wait() } }
    }
}
