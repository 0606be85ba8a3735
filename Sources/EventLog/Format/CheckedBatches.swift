import Basics

/// Large batches of one partition whose CRC a read of this process has already checked, so the
/// next read of the same batch checks its header and sizes but not every byte again.
///
/// Why: an explorer key press reads the batch under the cursor several times (the page, the
/// scrub's time lookup, the view's as-of event, a snapshot's still-matches check), and a
/// producer's 10,000-record batch is 1.2 MB: each CRC of it cost ~0.15–0.3 ms of a 5 ms budget.
/// A batch is known by its file, position, size and stored CRC, so a batch rewritten at the same
/// place (a truncated tail written again) is checked afresh. Bytes changed under an open log after
/// their first read go unnoticed by reads until the log is opened again, as with a broker, which
/// checks a batch once when it arrives; `rewind verify` and the explorer's integrity check never
/// use this memo and read every byte.
final class CheckedBatches: @unchecked Sendable {
    struct Key: Hashable {
        var path: String
        var position: Int
        var size: Int
        var crc: UInt32
    }

    /// Below this a CRC costs less than the memo's lock and hash.
    static let sizeMin = 64 << 10
    /// ~600 MB of 1.2 MB batches; the memo itself stays under ~50 KB.
    static let kept = 512

    private let lock = ConditionLock()
    private var known: Set<Key> = []
    private var order: [Key] = []
    private var next = 0

    func contains(_ key: Key) -> Bool { lock.withLock { known.contains(key) } }

    func insert(_ key: Key) {
        lock.withLock {
            guard known.insert(key).inserted else { return }
            if order.count < Self.kept {
                order.append(key)
            } else {
                known.remove(order[next])
                order[next] = key
                next = (next + 1) % Self.kept
            }
        }
    }
}
