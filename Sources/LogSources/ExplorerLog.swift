import EventLog
import Foundation

/// The log the explorer opens for a location. A directory opens as is. Any other source is
/// copied into its local replica (SourceReplica, through the read path only), which a background
/// thread keeps fetching into twice a second: the explorer sees new records as it sees the demo's
/// producer's appends and follows them live (`F`). The explorer reads the follower's own log, so
/// appends made in this process wake its followers at once.
public final class ExplorerLog {
    public let log: EventLog
    /// What the user named, for the title bar.
    public let label: String
    /// The source a replica follows; nil for a directory.
    private let source: LogSource?
    private let follower: ReplicaFollower?

    public static func open(_ location: String, writable: Bool, decompressor: BatchDecompressor) throws -> ExplorerLog {
        guard LogSourceFactory.scheme(of: location) != nil else {
            let log = try EventLog.open(location, mode: writable ? .readWrite : .readOnly, decompressor: decompressor)
            return ExplorerLog(log: log, label: location, source: nil, follower: nil)
        }
        let source = try LogSourceFactory.open(location)
        do {
            let directory = SourceReplica.directory(for: source, cacheRoot: SourceReplica.defaultCacheRoot())
            let topics = try source.topicNames()
            try SourceReplica.sync(source, topics: topics, directory: directory)
            let replica = try EventLog.open(directory, mode: .readWrite)
            let follower = ReplicaFollower()
            // The source is not thread-safe; from here on only the follower thread uses it.
            let handOver = HandedOver(source: source, replica: replica)
            let thread = Thread {
                while !follower.isStopped {
                    _ = try? SourceReplica.sync(handOver.source, topics: topics, into: handOver.replica, shouldStop: { follower.isStopped })
                    usleep(500_000)
                }
                follower.finish()
            }
            thread.start()
            return ExplorerLog(log: replica, label: source.location, source: source, follower: follower)
        } catch {
            source.close()
            throw error
        }
    }

    private init(log: EventLog, label: String, source: LogSource?, follower: ReplicaFollower?) {
        self.log = log
        self.label = label
        self.source = source
        self.follower = follower
    }

    /// Stops the follower (after its current sync), then closes the replica and the source.
    public func close() {
        follower?.stop()
        log.close()
        source?.close()
    }
}

/// What the follower thread takes over whole.
private struct HandedOver: @unchecked Sendable {
    let source: LogSource
    let replica: EventLog
}

/// Stop flag shared with the follower thread; `stop` waits for it to finish its current sync.
final class ReplicaFollower: @unchecked Sendable {
    private let lock = ConditionLock()
    private var stopped = false
    private var finished = false
    var isStopped: Bool { lock.withLock { stopped } }
    func stop() {
        lock.withLock {
            stopped = true
            while !finished { lock.wait(timeoutMs: 100) }
        }
    }
    func finish() {
        lock.withLock {
            finished = true
            lock.broadcast()
        }
    }
}
