import EventLog
import Foundation

/// Hands out producer ids for InitProducerId, never the same one twice, across restarts too.
///
/// File `<log>/kafka-producer-ids`: one decimal number, the first id not yet reserved. Ids are
/// reserved in blocks: the file moves a block ahead (written atomically, synced) before any id of
/// the block is handed out, so a crash skips at most the rest of a block and never repeats an id.
final class ProducerIdAllocator: @unchecked Sendable {
    private let path: String
    private let lock = ConditionLock()
    private var nextId: Int64
    private var reservedUntil: Int64
    /// One fsync per 1,000 producers.
    static let blockSize: Int64 = 1_000

    init(path: String) throws {
        self.path = path
        var start: Int64 = 1_000 // small ids stay recognisable as not ours
        if FileSystem.exists(path) {
            let bytes = try SystemFile(path: path, mode: .readOnly).readAll(limit: 64)
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let value = Int64(text), value >= 0 else {
                throw EventLogError(.corruptMetadata, "producer id counter is not a number", path: path)
            }
            start = value
        }
        nextId = start
        reservedUntil = start
    }

    func next() throws -> Int64 {
        try lock.withLock {
            if nextId >= reservedUntil {
                let until = nextId + Self.blockSize
                try FileSystem.writeAtomically(Array("\(until)\n".utf8), to: path)
                reservedUntil = until
            }
            defer { nextId += 1 }
            return nextId
        }
    }
}
