import EventLog
import Glibc

/// A local copy of JetStream streams in the embedded format, kept in step incrementally: the
/// views, lineage, export and the explorer fold borrowed records from mapped segments, and this
/// gives them exactly that for a remote stream (one topic per stream, offset = sequence, time =
/// stored time, key = subject, headers kept). A sync fetches only sequences past the copy's end.
///
/// The copy is a cache: deleting it costs one full fetch. It is rebuilt when the stream no longer
/// matches it (re-created under the same name: its last sequence went down, or the message at
/// the copy's last sequence has another time).
///
///     <cache root>/nats/<host_port[,…]>/rewind.json, <stream>-0/…   (an ordinary Rewind log)
public enum LocalReplica {
    public static func directory(for url: NATSURL, cacheRoot: String) -> String {
        let servers = url.servers.map { "\($0.host)_\($0.port)" }.sorted().joined(separator: ",")
        return cacheRoot + "/nats/" + servers
    }

    /// $REWIND_CACHE_DIR, else ~/.cache/rewind, else /tmp/rewind-cache.
    public static func defaultCacheRoot() -> String {
        if let root = getenv("REWIND_CACHE_DIR").map({ String(cString: $0) }), !root.isEmpty { return root }
        if let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty { return home + "/.cache/rewind" }
        return "/tmp/rewind-cache"
    }

    /// Brings the copies of `streams` in `directory` up to the streams' current ends; returns the
    /// records fetched. Takes the directory's writer lock while it runs.
    @discardableResult
    public static func sync(_ source: JetStreamSource, streams: [String], directory: String,
                            shouldStop: () -> Bool = { false }) throws -> Int {
        var log = try EventLog.open(directory, mode: .readWrite, create: true)
        if try streams.contains(where: { try isStale(log, stream: $0, source: source) }) {
            log.close()
            try FileSystem.removeTree(directory)
            log = try EventLog.open(directory, mode: .readWrite, create: true)
        }
        defer { log.close() }
        return try sync(source, streams: streams, into: log, shouldStop: shouldStop)
    }

    /// `sync` into a log already open for writing (the explorer's follower keeps one open).
    public static func sync(_ source: JetStreamSource, streams: [String], into log: EventLog,
                            shouldStop: () -> Bool = { false }) throws -> Int {
        var fetched = 0
        for stream in streams {
            let partition = TopicPartition(topic: stream, partition: 0)
            if !log.topics().contains(where: { $0.name == stream }) {
                try log.createTopic(stream, config: TopicConfig(partitions: 1))
            }
            let target = try log.partition(partition)
            let start = max(try target.endOffset(), try source.startOffset(of: partition))
            fetched += try SourceCopy.copy(from: source, partition, start: start, into: target, shouldStop: shouldStop)
        }
        return fetched
    }

    private static func isStale(_ log: EventLog, stream: String, source: JetStreamSource) throws -> Bool {
        let partition = TopicPartition(topic: stream, partition: 0)
        guard log.topics().contains(where: { $0.name == stream }) else { return false }
        let target = try log.partition(partition)
        let end = try target.endOffset()
        guard end.rawValue > 0 else { return false }
        if try source.endOffset(of: partition) < end { return true }
        guard let local = try target.read(from: end.advanced(by: -1), maxRecords: 1).first,
              let remote = try source.jetStream.message(partition.topic, sequence: UInt64(local.offset.rawValue)) else { return false }
        return remote.record.timestamp != local.timestamp || remote.payload != (local.value ?? [])
    }
}
