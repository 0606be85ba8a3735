import EventLog
import Explorer
import Foundation
import NATS

extension OpenCommand {
    /// `open nats://HOST:PORT[/STREAM]`: the explorer over the local replica of the stream(s),
    /// which a background thread keeps fetching into twice a second: the explorer sees new
    /// messages as it sees the demo's producer's appends, and follows them live (`F`).
    func runOverJetStream(_ location: String) throws {
        let source = try JetStreamSource(url: try NATSURL(parsing: location))
        defer { source.close() }
        let directory = LocalReplica.directory(for: source.url, cacheRoot: LocalReplica.defaultCacheRoot())
        let streams = try source.topicNames()
        try LocalReplica.sync(source, streams: streams, directory: directory)
        let writer = try EventLog.open(directory, mode: .readWrite)
        let stop = ReplicaFollower()
        let thread = Thread {
            while !stop.isStopped {
                _ = try? LocalReplica.sync(source, streams: streams, into: writer, shouldStop: { stop.isStopped })
                usleep(500_000)
            }
            stop.finish()
        }
        thread.start()
        defer {
            stop.stop()
            writer.close()
        }
        // The explorer reads the follower's own log: appends made in this process wake its
        // followers at once (a second, read-only instance would only see them on a re-read).
        let eventLog = writer
        var state = ExplorerState()
        state.logLabel = source.url.description
        state.isReadOnly = true
        state.view.name = view
        if let topic, let index = eventLog.topics().firstIndex(where: { $0.name == topic }) { state.topicIndex = index }
        try ExplorerRunner.run(log: eventLog, state: state)
    }
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
