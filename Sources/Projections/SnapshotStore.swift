#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
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
    /// Fingerprints of the event ids in the dedupe window, oldest first.
    public var recentEventIDs: [UInt64]
    public var state: State
    /// The live dedupe window, kept only in memory: restoring it is an O(1) copy, where rebuilding
    /// it from `recentEventIDs` re-hashes the whole window.
    var deduplicator: Deduplicator?

    /// `recentEventIDs` is written as the base64 of its little-endian bytes: as a JSON array of
    /// 10,000 numbers it took JSONEncoder ~10 ms a snapshot, on the core the explorer's key
    /// presses share (a quarter of the CPU of a session stepping through a big log).
    /// `recentEventIDs` as an array (snapshots written before) still reads.
    enum CodingKeys: String, CodingKey { case header, recentEventIDs, recentEventIDsBase64, state }

    init(header: SnapshotHeader, recentEventIDs: [UInt64], state: State, deduplicator: Deduplicator? = nil) {
        self.header = header
        self.recentEventIDs = recentEventIDs
        self.state = state
        self.deduplicator = deduplicator
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        header = try container.decode(SnapshotHeader.self, forKey: .header)
        state = try container.decode(State.self, forKey: .state)
        deduplicator = nil
        if decoder.userInfo[BinarySnapshotEncoder.binaryKey] != nil {
            recentEventIDs = try container.decode([UInt64].self, forKey: .recentEventIDs)
        } else if let packed = try container.decodeIfPresent(String.self, forKey: .recentEventIDsBase64) {
            guard let bytes = Data(base64Encoded: packed), bytes.count % 8 == 0 else {
                throw DecodingError.dataCorruptedError(forKey: .recentEventIDsBase64, in: container, debugDescription: "not base64 of 8-byte ids")
            }
            recentEventIDs = bytes.withUnsafeBytes { raw in (0..<raw.count / 8).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) } }
        } else {
            recentEventIDs = try container.decode([UInt64].self, forKey: .recentEventIDs)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(header, forKey: .header)
        guard encoder.userInfo[BinarySnapshotEncoder.binaryKey] == nil else {
            // The binary coder writes the fingerprints as one run of bytes.
            try container.encode(recentEventIDs, forKey: .recentEventIDs)
            return try container.encode(state, forKey: .state)
        }
        var bytes = Data(count: recentEventIDs.count * 8)
        bytes.withUnsafeMutableBytes { raw in
            for (index, id) in recentEventIDs.enumerated() { raw.storeBytes(of: id.littleEndian, toByteOffset: index * 8, as: UInt64.self) }
        }
        try container.encode(bytes.base64EncodedString(), forKey: .recentEventIDsBase64)
        try container.encode(state, forKey: .state)
    }
}

/// View snapshots in a cache directory outside the log, keyed by the source's location (a log's
/// absolute path, or a `nats://`/`kafka://` URL), so a read-only captured log or a remote stream
/// gets fast rewinds without a byte written inside it:
///
///   <cache root>/<fnv64 of location>/views/<view id>/<topic>/<consumed>-<ts>-<partition>-<offset>.snap
///
/// in `BinarySnapshotFormat` (decoding the JSON they were before cost a key press most of its
/// frame); `.json` snapshots written by earlier versions still read.
///
/// `consumed` (events folded, duplicates included) orders snapshots; the rest is the largest
/// MergeKey folded, so picking the snapshot for a target needs file names only. A snapshot is
/// trusted only if the source still has the event it was taken after with the same timestamp (a log
/// regenerated at the same path, a stream re-created under the same name, invalidates its snapshots). Writes rename a complete temp file
/// (no fsync: it is a cache); an unreadable snapshot is dropped and the view folds from the start.
public final class SnapshotStore: @unchecked Sendable {
    public let directory: String
    /// Recently saved or loaded snapshots, decoded, by path: stepping back and forth in the
    /// explorer restores the same few snapshots over and over, and decoding one (state plus the
    /// dedupe window) cost more than the replay after it.
    private var decoded: [String: Any] = [:]
    private var decodedOrder: [String] = []
    private var listings: [String: [Entry]] = [:]
    private let lock = ConditionLock()
    static let decodedKept = 8
    /// Interactive callers (the explorer) encode and write snapshots on this queue, off the key
    /// path; the snapshot is a value, and the in-memory cache has it at once.
    private let writer: DispatchQueue?

    public init(logDirectory: String, cacheRoot: String? = nil, writesInBackground: Bool = false) {
        let absolute = FileSystem.absolute(logDirectory)
        let root = cacheRoot ?? Self.defaultCacheRoot(for: absolute)
        directory = root + "/" + Self.fnv64Hex(absolute) + "/views"
        writer = writesInBackground ? DispatchQueue(label: "rewind.snapshots") : nil
    }

    /// Snapshots of whatever `source` reads: a directory as above; a URL keyed by the URL itself,
    /// under $REWIND_CACHE_DIR or ~/.cache/rewind (there is no folder beside it).
    public convenience init(source: LogSource, cacheRoot: String? = nil, writesInBackground: Bool = false) {
        let location = source.location
        guard location.contains("://") else {
            self.init(logDirectory: location, cacheRoot: cacheRoot, writesInBackground: writesInBackground)
            return
        }
        self.init(key: location, cacheRoot: cacheRoot ?? Self.userCacheRoot(), writesInBackground: writesInBackground)
    }

    private init(key: String, cacheRoot: String, writesInBackground: Bool) {
        directory = cacheRoot + "/" + Self.fnv64Hex(key) + "/views"
        writer = writesInBackground ? DispatchQueue(label: "rewind.snapshots") : nil
    }

    static func userCacheRoot() -> String {
        if let override = getenv("REWIND_CACHE_DIR") { return String(cString: override) }
        return (getenv("HOME").map { String(cString: $0) } ?? "/tmp") + "/.cache/rewind"
    }

    /// Waits for background snapshot writes to finish.
    public func waitForWrites() { writer?.sync {} }

    /// $REWIND_CACHE_DIR, else `.rewind-cache` beside the log when that folder is writable, else
    /// ~/.cache/rewind (captured logs often sit on read-only media).
    public static func defaultCacheRoot(for logDirectory: String) -> String {
        let parent = FileSystem.parent(of: logDirectory)
        if getenv("REWIND_CACHE_DIR") != nil { return userCacheRoot() }
        // Root passes access(W_OK) everywhere; a folder with every write bit off (a capture kept
        // read-only on purpose) is honoured anyway.
        var info = stat()
        if access(parent, W_OK) == 0, stat(parent, &info) == 0, info.st_mode & 0o222 != 0 { return parent + "/.rewind-cache" }
        return userCacheRoot()
    }

    func folder<P: Projection>(for projection: P, topic: String) -> String {
        directory + "/" + Self.safeName(projection.id) + "/" + topic
    }

    func save<P: Projection>(_ snapshot: ViewSnapshot<P.State>, for projection: P) throws {
        let folder = folder(for: projection, topic: snapshot.header.topic)
        let header = snapshot.header
        let path = folder + "/" + Self.fileName(header)
        let known = lock.withLock { decoded[path] != nil }
        guard !known, !FileSystem.exists(path) else { return }
        try FileSystem.createDirectories(folder)
        lock.withLock {
            remember(snapshot, at: path)
            if var listing = listings[folder] {
                listing.append(Entry(name: (path as String).split(separator: "/").last.map(String.init)!, consumed: header.eventsApplied + header.duplicatesSkipped, maxEvent: header.maxEventSoFar))
                listings[folder] = listing.sorted { $0.consumed < $1.consumed }
            }
        }
        // A cache: no fsync (two syncs per snapshot cost a key press its frame budget).
        let write = { () throws in try FileSystem.writeAtomically(try BinarySnapshotEncoder().encode(snapshot), to: path, sync: false) }
        guard let writer else { return try write() }
        let job = SendableBox(write)
        writer.async { try? job.value() }
    }

    static func fileName(_ header: SnapshotHeader) -> String {
        "\(pad(header.eventsApplied + header.duplicatesSkipped))-\(encodeTimestamp(header.maxEventSoFar.timestamp))-\(header.maxEventSoFar.partition)-\(header.maxEventSoFar.offset).snap"
    }

    /// Keeps the dedupe window a restore rebuilt from `snapshot`'s fingerprints with the decoded
    /// snapshot, so the next restore of it copies the window instead of re-hashing 10,000 ids.
    func keep<P: Projection>(_ deduplicator: Deduplicator, with snapshot: ViewSnapshot<P.State>, for projection: P) {
        let path = folder(for: projection, topic: snapshot.header.topic) + "/" + Self.fileName(snapshot.header)
        lock.withLock {
            guard var cached = decoded[path] as? ViewSnapshot<P.State>, cached.deduplicator == nil else { return }
            cached.deduplicator = deduplicator
            decoded[path] = cached
        }
    }

    /// The latest snapshot whose folded events all lie at or before `limit` (nil limit: any).
    func nearest<P: Projection>(atOrBefore limit: MergeKey?, for projection: P, topic: String, source: LogSource) throws -> ViewSnapshot<P.State>? {
        let folder = folder(for: projection, topic: topic)
        let cached = lock.withLock { listings[folder] }
        let candidates: [Entry]
        if let cached {
            candidates = cached
        } else {
            guard FileSystem.isDirectory(folder) else { return nil }
            candidates = try FileSystem.listDirectory(folder).compactMap(Self.parse).sorted { $0.consumed < $1.consumed }
            lock.withLock { listings[folder] = candidates }
        }
        guard let chosen = candidates.last(where: { limit == nil || $0.maxEvent <= limit! }) else { return nil }
        let path = folder + "/" + chosen.name
        if let snapshot = lock.withLock({ decoded[path] }) as? ViewSnapshot<P.State> { return snapshot }
        let bytes = try SystemFile(path: path, mode: .readOnly).readAll(limit: 1 << 30)
        guard let snapshot = try? Self.decode(ViewSnapshot<P.State>.self, from: bytes),
              snapshot.header.view == projection.id, try stillMatches(snapshot.header, source: source) else {
            // Stale (log regenerated) or unreadable: drop this view's snapshots and fold from the start.
            try? FileSystem.removeTree(folder)
            lock.withLock {
                listings[folder] = nil
                decoded = decoded.filter { !$0.key.hasPrefix(folder + "/") }
                decodedOrder.removeAll { $0.hasPrefix(folder + "/") }
            }
            return nil
        }
        lock.withLock { remember(snapshot, at: path) }
        return snapshot
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        if BinarySnapshotDecoder.isBinary(bytes) { return try BinarySnapshotDecoder().decode(type, from: bytes) }
        return try JSONDecoder().decode(type, from: Data(bytes))
    }

    /// Lock held.
    private func remember(_ snapshot: Any, at path: String) {
        if decoded[path] == nil { decodedOrder.append(path) }
        decoded[path] = snapshot
        while decodedOrder.count > Self.decodedKept { decoded[decodedOrder.removeFirst()] = nil }
    }

    private func stillMatches(_ header: SnapshotHeader, source: LogSource) throws -> Bool {
        let partition = TopicPartition(topic: header.topic, partition: header.lastEvent.partition)
        let records = try source.read(partition, from: Offset(header.lastEvent.offset), maxRecords: 1)
        return records.first?.offset.rawValue == header.lastEvent.offset && records.first?.timestamp.milliseconds == header.lastEvent.timestamp
    }

    private struct Entry {
        var name: String
        var consumed: Int64
        var maxEvent: MergeKey
    }

    private static func parse(_ name: String) -> Entry? {
        guard name.hasSuffix(".snap") || name.hasSuffix(".json") else { return nil }
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

/// Hands a closure over a value snapshot to the writer queue.
private struct SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
