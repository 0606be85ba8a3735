/// The cleaner's offset map (Kafka's `SkimpyOffsetMap`): for each key, the offset of its latest
/// record in the sealed segments, and when that record is a tombstone, its timestamp. Kafka keeps a
/// 16-byte MD5 of each key in a fixed buffer and accepts the collision risk; this map keeps the key
/// bytes themselves, so a collision can never drop a live record, and bounds the key count instead
/// (Limits.compactionKeysMax).
struct KeyOffsetMap {
    struct Latest: Equatable {
        var offset: Int64
        /// The record's timestamp when it is a tombstone (null value), nil otherwise.
        var tombstoneTimestamp: Int64?
    }

    private(set) var entries: [[UInt8]: Latest] = [:]

    var count: Int { entries.count }

    /// Records that `key` was written at `offset`; later offsets win whatever the call order
    /// (transactional records are added once their transaction is known to have committed).
    mutating func record(_ key: [UInt8], offset: Int64, tombstoneTimestamp: Int64?, path: String) throws {
        if let known = entries[key] {
            if known.offset < offset { entries[key] = Latest(offset: offset, tombstoneTimestamp: tombstoneTimestamp) }
            return
        }
        guard entries.count < Limits.compactionKeysMax else {
            throw EventLogError(.invalidArgument, "more than \(Limits.compactionKeysMax) distinct keys: too many to compact in one pass", path: path)
        }
        entries[key] = Latest(offset: offset, tombstoneTimestamp: tombstoneTimestamp)
    }

    func latest(_ key: [UInt8]) -> Latest? { entries[key] }
}
