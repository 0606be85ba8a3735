import Dispatch
import EventLog

/// Checks partitions' hash chains (and CRCs) with `Verifier` on a background queue, one partition at
/// a time, so the badge costs the input loop nothing: hashing a 1 GB partition takes about a second.
/// A partition that grew is checked again, at most every `recheckSeconds`, and keeps showing its
/// last result meanwhile.
final class IntegrityMonitor: @unchecked Sendable {
    private struct Result {
        var endOffset: Int64
        var integrity: ExplorerState.Integrity
        var checkedAt: Double
    }

    private let lock = ConditionLock()
    private var results: [TopicPartition: Result] = [:]
    private var running: Set<TopicPartition> = []
    private let queue = DispatchQueue(label: "rewind.integrity", qos: .utility)
    private let recheckSeconds: Double
    /// Only the focused topic's partitions are checked: a verify reads every byte, so on a cold
    /// page cache it competed with the first frame's few reads for the disk (1.1 GB came off the
    /// disk during the 10M-event log's 1 s cold first frame). The session focuses a topic after
    /// the first frame; a queued check of a topic the user left is dropped, and runs again when
    /// they come back. Checks run in the idle I/O class (BackgroundPriority).
    private var focusedTopic: String?

    init(recheckSeconds: Double = 30) { self.recheckSeconds = recheckSeconds }

    /// The latest known integrity of `partition`, starting a check when none is current.
    func integrity(of partition: PartitionLog, in log: EventLog, endOffset: Int64, now: Double) -> ExplorerState.Integrity {
        let id = partition.topicPartition
        return lock.withLock {
            let known = results[id]
            let stale = known.map { $0.endOffset != endOffset && now - $0.checkedAt >= recheckSeconds } ?? true
            if stale && !running.contains(id) && focusedTopic == id.topic {
                running.insert(id)
                queue.async { [self] in
                    guard lock.withLock({ focusedTopic == id.topic }) else {
                        lock.withLock { running.remove(id); lock.broadcast() }
                        return
                    }
                    let integrity = BackgroundPriority.idle { Self.check(partition, in: log) }
                    lock.withLock {
                        running.remove(id)
                        results[id] = Result(endOffset: endOffset, integrity: integrity, checkedAt: now)
                        lock.broadcast()
                    }
                }
            }
            return known?.integrity ?? .checking
        }
    }

    /// Checks may start for `topic`'s partitions from now on; queued ones of other topics are dropped.
    func focus(topic: String?) { lock.withLock { focusedTopic = topic } }

    /// Blocks until no check is running (tests).
    func waitUntilIdle() {
        lock.withLock { while !running.isEmpty { lock.wait() } }
    }

    /// `✗ broken` only for data that does not match its CRC or chain; a check that could not read
    /// the files (permissions, I/O errors) says so instead of accusing the data.
    static func check(_ partition: PartitionLog, in log: EventLog) -> ExplorerState.Integrity {
        let report: VerifyReport
        do {
            report = try Verifier.verify(partition, log: log)
        } catch let error as EventLogError {
            switch error.code {
            case .corruptBatch, .corruptIndex, .truncated: return .broken(offset: partition.startOffset.rawValue)
            case .io, .notFound, .locked, .readOnly, .unsupportedCodec, .unsupportedFormat, .alreadyExists, .invalidArgument,
                 .offsetOutOfRange, .corruptMetadata:
                return .unreadable(reason: [error.message, error.cause].compactMap { $0 }.joined(separator: ": "))
            }
        } catch {
            return .unreadable(reason: "\(error)")
        }
        guard let head = report.heads.first else { return .unreadable(reason: "no partition in the report") }
        if case let .broken(offset) = head.status { return .broken(offset: offset) }
        if let problem = report.problems.first { return .broken(offset: problem.affectedOffsets?.lowerBound ?? partition.startOffset.rawValue) }
        return head.status == .verified ? .verified : .unchained
    }
}
