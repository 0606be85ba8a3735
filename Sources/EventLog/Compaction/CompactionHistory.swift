// `<partition>/compaction.heads`: the hash chain heads each compaction replaced, one line each:
//
//   <compacted-at ms>\t<old last offset>\t<old head hex>\t<new last offset>\t<new head hex>\n
//
// Compaction removes batches, so the chain is recomputed over the bytes that remain, from the first
// rewritten segment on (a re-rooted chain; the part before it does not change). The old head is
// kept here so a head recorded before the compaction (`verify --head`) can still be checked: verify
// maps it to the new head this file pairs it with, then checks that against the bytes. The file is
// installed through the same journal as the segments, so it names a compaction if and only if its
// segments are in place. Like the `.chain` files it is tamper evidence, not proof: whoever can
// rewrite the log can rewrite this file too.
public enum CompactionHistory {
    static let fileName = "compaction.heads"

    public struct Entry: Hashable, Sendable {
        public var compactedAtMs: Int64
        public var oldLastOffset: Int64
        public var oldHead: ChainValue
        public var newLastOffset: Int64
        public var newHead: ChainValue

        var line: String { "\(compactedAtMs)\t\(oldLastOffset)\t\(oldHead.hex)\t\(newLastOffset)\t\(newHead.hex)\n" }
    }

    /// The entries of `directory` (a partition), oldest first; none when there is no file.
    static func load(from directory: String) throws -> [Entry] {
        let path = directory + "/" + fileName
        guard FileSystem.exists(path) else { return [] }
        let bytes = try SystemFile(path: path, mode: .readOnly).readAll(limit: Limits.metadataFileBytesMax)
        return try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: "\t")
            guard parts.count == 5, let at = Int64(parts[0]), let oldLast = Int64(parts[1]), let old = ChainValue(hex: String(parts[2])),
                  let newLast = Int64(parts[3]), let new = ChainValue(hex: String(parts[4])) else {
                throw EventLogError(.corruptMetadata, "unreadable compaction history line '\(line)'", path: path)
            }
            return Entry(compactedAtMs: at, oldLastOffset: oldLast, oldHead: old, newLastOffset: newLast, newHead: new)
        }
    }

    /// The file's bytes with `entry` added, to stage beside the compacted segments.
    static func appending(_ entry: Entry, in directory: String) throws -> [UInt8] {
        let path = directory + "/" + fileName
        let existing = FileSystem.exists(path) ? try SystemFile(path: path, mode: .readOnly).readAll(limit: Limits.metadataFileBytesMax) : []
        return existing + Array(entry.line.utf8)
    }

    /// An expectation recorded before one or more compactions, carried forward to the head that
    /// replaced it (each compaction maps its old head to its new one); unchanged when none applies.
    static func translate(_ expectation: ChainExpectation, through entries: [Entry]) -> ChainExpectation {
        var current = expectation
        for entry in entries where entry.oldLastOffset == current.lastOffset && entry.oldHead == current.value {
            current.lastOffset = entry.newLastOffset
            current.value = entry.newHead
        }
        return current
    }
}
