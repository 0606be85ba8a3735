import EventLog
import Glibc

/// A local copy of a remote source's topics in the embedded format, kept in step incrementally,
/// for the one reader that needs the engine's own files: the explorer (its timeline reads time
/// indexes, its integrity pane the chains). Everything else reads the source itself. The copy is
/// filled only through `LogSource` (SourceCopy), so it works for every backend; offsets,
/// timestamps, keys and headers are kept, and a sync fetches only offsets past the copy's end.
///
/// The copy is a cache: deleting it costs one full fetch. It is rebuilt when the source no longer
/// matches it (a stream or topic re-created under the same name: its end went down, or the record
/// at the copy's last offset has another time or value).
///
///     <cache root>/replicas/<location, made a file name>/rewind.json, <topic>-<partition>/…
public enum SourceReplica {
    public static func directory(for source: LogSource, cacheRoot: String) -> String {
        let name = String(source.location.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        return cacheRoot + "/replicas/" + name
    }

    /// $REWIND_CACHE_DIR, else ~/.cache/rewind, else /tmp/rewind-cache.
    public static func defaultCacheRoot() -> String {
        if let root = getenv("REWIND_CACHE_DIR").map({ String(cString: $0) }), !root.isEmpty { return root }
        if let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty { return home + "/.cache/rewind" }
        return "/tmp/rewind-cache"
    }

    /// Brings the copies of `topics` in `directory` up to the source's current ends; returns the
    /// records fetched. Takes the directory's writer lock while it runs.
    @discardableResult
    public static func sync(_ source: LogSource, topics: [String], directory: String,
                            shouldStop: () -> Bool = { false }) throws -> Int {
        var log = try EventLog.open(directory, mode: .readWrite, create: true)
        if try topics.contains(where: { try isStale(log, topic: $0, source: source) }) {
            log.close()
            try FileSystem.removeTree(directory)
            log = try EventLog.open(directory, mode: .readWrite, create: true)
        }
        defer { log.close() }
        return try sync(source, topics: topics, into: log, shouldStop: shouldStop)
    }

    /// `sync` into a log already open for writing (the explorer's follower keeps one open).
    public static func sync(_ source: LogSource, topics: [String], into log: EventLog,
                            shouldStop: () -> Bool = { false }) throws -> Int {
        var fetched = 0
        for topic in topics {
            let numbers = try source.partitionNumbers(of: topic)
            if !log.topics().contains(where: { $0.name == topic }) {
                try log.createTopic(topic, config: TopicConfig(partitions: Int32(numbers.count)))
            }
            for number in numbers {
                let partition = TopicPartition(topic: topic, partition: number)
                let target = try log.partition(partition)
                let start = max(try target.endOffset(), try source.startOffset(of: partition))
                fetched += try SourceCopy.copy(from: source, partition, start: start, into: target, shouldStop: shouldStop)
            }
        }
        return fetched
    }

    private static func isStale(_ log: EventLog, topic: String, source: LogSource) throws -> Bool {
        guard log.topics().contains(where: { $0.name == topic }) else { return false }
        let numbers = try source.partitionNumbers(of: topic)
        if try log.partitions(of: topic).count != numbers.count { return true }
        for number in numbers {
            let partition = TopicPartition(topic: topic, partition: number)
            let target = try log.partition(partition)
            let end = try target.endOffset()
            guard end.rawValue > 0 else { continue }
            if try source.endOffset(of: partition) < end { return true }
            guard let local = try target.read(from: end.advanced(by: -1), maxRecords: 1).first else { continue }
            guard let remote = try source.read(partition, from: local.offset, maxRecords: 1).first else { return true }
            if remote.offset != local.offset || remote.timestamp != local.timestamp || remote.value != local.value { return true }
        }
        return false
    }
}
