#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import EventLog
import Glibc

public struct SnapshotHeader: Codable, Sendable, Equatable {
    public var view: String
    public var topic: String
    public var lastEvent: MergeKey
    public var maxEventSoFar: MergeKey
    public var eventsApplied: Int64
    public var duplicatesSkipped: Int64
    public var positions: [Int32: Int64]
    public var gaps: [OffsetGap]
}

public struct ViewSnapshot<State: Codable>: Codable {
    public var header: SnapshotHeader
    public var recentEventIDs: [String]
    public var state: State
}

/// View snapshots in a cache directory outside the log, keyed by the log's absolute path, so a
/// read-only captured log gets fast rewinds without a byte written inside it:
///
///   <cache root>/<fnv64 of log path>/views/<view id>/<topic>/<consumed>-<ts>-<partition>-<offset>.json
///
/// `consumed` (events folded, duplicates included) orders snapshots; the rest is the largest
/// MergeKey folded, so picking the snapshot for a target needs file names only. A snapshot is
/// trusted only if the log still has the event it was taken after with the same timestamp (a log
/// regenerated at the same path invalidates its snapshots). Writes are atomic (temp + rename);
/// a crash leaves no partial snapshot, at worst a stray `.tmp`.
public final class SnapshotStore: @unchecked Sendable {
    public let directory: String

    public init(logDirectory: String, cacheRoot: String? = nil) {
        let absolute = FileSystem.absolute(logDirectory)
        let root = cacheRoot ?? Self.defaultCacheRoot(for: absolute)
        directory = root + "/" + Self.fnv64Hex(absolute) + "/views"
    }

    /// $REWIND_CACHE_DIR, else `.rewind-cache` beside the log when that folder is writable, else
    /// ~/.cache/rewind (captured logs often sit on read-only media).
    public static func defaultCacheRoot(for logDirectory: String) -> String {
        if let override = getenv("REWIND_CACHE_DIR") { return String(cString: override) }
        let parent = FileSystem.parent(of: logDirectory)
        if access(parent, W_OK) == 0 { return parent + "/.rewind-cache" }
        let home = getenv("HOME").map { String(cString: $0) } ?? "/tmp"
        return home + "/.cache/rewind"
    }

    func folder<P: Projection>(for projection: P, topic: String) -> String {
        directory + "/" + Self.safeName(projection.id) + "/" + topic
    }

    func save<P: Projection>(_ snapshot: ViewSnapshot<P.State>, for projection: P) throws {
        let folder = folder(for: projection, topic: snapshot.header.topic)
        let header = snapshot.header
        let name = "\(Self.pad(header.eventsApplied + header.duplicatesSkipped))-\(Self.encodeTimestamp(header.maxEventSoFar.timestamp))-\(header.maxEventSoFar.partition)-\(header.maxEventSoFar.offset).json"
        let path = folder + "/" + name
        guard !FileSystem.exists(path) else { return }
        try FileSystem.createDirectories(folder)
        let data = try JSONEncoder().encode(snapshot)
        try FileSystem.writeAtomically(Array(data), to: path)
    }

    /// The latest snapshot whose folded events all lie at or before `limit` (nil limit: any).
    func nearest<P: Projection>(atOrBefore limit: MergeKey?, for projection: P, topic: String, log: EventLog) throws -> ViewSnapshot<P.State>? {
        let folder = folder(for: projection, topic: topic)
        guard FileSystem.isDirectory(folder) else { return nil }
        let candidates = try FileSystem.listDirectory(folder).compactMap(Self.parse).sorted { $0.consumed < $1.consumed }
        guard let chosen = candidates.last(where: { limit == nil || $0.maxEvent <= limit! }) else { return nil }
        let bytes = try SystemFile(path: folder + "/" + chosen.name, mode: .readOnly).readAll(limit: 1 << 30)
        guard let snapshot = try? JSONDecoder().decode(ViewSnapshot<P.State>.self, from: Data(bytes)),
              snapshot.header.view == projection.id, try stillMatches(snapshot.header, log: log) else {
            // Stale (log regenerated) or unreadable: drop this view's snapshots and fold from the start.
            try? FileSystem.removeTree(folder)
            return nil
        }
        return snapshot
    }

    private func stillMatches(_ header: SnapshotHeader, log: EventLog) throws -> Bool {
        let partition = try log.partition(TopicPartition(topic: header.topic, partition: header.lastEvent.partition))
        let records = try partition.read(from: Offset(header.lastEvent.offset), maxRecords: 1)
        return records.first?.offset.rawValue == header.lastEvent.offset && records.first?.timestamp.milliseconds == header.lastEvent.timestamp
    }

    private struct Entry {
        var name: String
        var consumed: Int64
        var maxEvent: MergeKey
    }

    private static func parse(_ name: String) -> Entry? {
        guard name.hasSuffix(".json") else { return nil }
        let parts = name.dropLast(5).split(separator: "-")
        guard parts.count == 4, let consumed = Int64(parts[0]), let timestamp = UInt64(parts[1]).map(Self.decodeTimestamp),
              let partition = Int32(parts[2]), let offset = Int64(parts[3]) else { return nil }
        return Entry(name: name, consumed: consumed, maxEvent: MergeKey(timestamp: timestamp, partition: partition, offset: offset))
    }

    static func pad(_ value: Int64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// Timestamps may be negative (-1 = none); flipping the sign bit keeps names dash-free and sortable.
    static func encodeTimestamp(_ value: Int64) -> String { String(UInt64(bitPattern: value) ^ (1 << 63)) }
    static func decodeTimestamp(_ value: UInt64) -> Int64 { Int64(bitPattern: value ^ (1 << 63)) }

    static func safeName(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" ? $0 : "-" })
    }

    static func fnv64Hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
