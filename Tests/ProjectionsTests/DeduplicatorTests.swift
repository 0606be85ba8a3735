@testable import Projections
import TestSupport
import XCTest

/// The dedupe window against a plain model (a queue of the last `window` admitted ids): same
/// answer for every id, across evictions, restores and copies (checkpoints share storage).
final class DeduplicatorTests: XCTestCase {
    struct Model {
        let window: Int
        var order: [UInt64] = []
        mutating func admit(_ id: UInt64) -> Bool {
            let id = id == 0 ? 1 : id
            guard !order.contains(id) else { return false }
            order.append(id)
            if order.count > window { order.removeFirst() }
            return true
        }
    }

    func testAdmitsExactlyWhatTheModelAdmits() {
        var random = SeededRandom.fromEnvironment()
        for round in 0..<200 {
            let window = [1, 2, 3, 7, 16, 100, 1_000][Int.random(in: 0..<7, using: &random)]
            // Ids from a small range repeat often and crowd the table's probe runs; 0 and 1 are
            // the same id to the window (0 marks an empty slot).
            let range = UInt64([2, 5, 40, 300, 5_000][Int.random(in: 0..<5, using: &random)])
            let spread = Bool.random(using: &random)
            var deduplicator = Deduplicator(window: window)
            var model = Model(window: window)
            var checkpoint: (Deduplicator, Model)?
            for step in 0..<3_000 {
                var id = UInt64.random(in: 0..<range, using: &random)
                if spread { id = id &* 0x9E37_79B9_7F4A_7C15 } // same-home collisions when not spread
                XCTAssertEqual(deduplicator.admit(fingerprint: id), model.admit(id), "round \(round) step \(step): id \(id), window \(window)")
                XCTAssertEqual(deduplicator.recent, model.order, "round \(round) step \(step)")
                if step % 500 == 0 { checkpoint = (deduplicator, model) }
                if step % 700 == 699, let saved = checkpoint {
                    (deduplicator, model) = saved // a restored checkpoint goes on from its own state
                }
                if step % 1_100 == 1_099 {
                    var restored = Deduplicator(window: window)
                    restored.restore(deduplicator.recent)
                    deduplicator = restored
                }
            }
        }
    }

    func testFingerprintsOfEventIDs() {
        var deduplicator = Deduplicator(window: 3)
        for id in ["e1", "e2", "e1", "e3", "e4", "e1", "e2"] {
            _ = id.utf8.withContiguousStorageIfAvailable { deduplicator.admit(UnsafeRawBufferPointer($0)) }
        }
        let expected = ["e4", "e1", "e2"].map { id in Array(id.utf8).withUnsafeBytes { Deduplicator.fingerprint($0) } }
        XCTAssertEqual(deduplicator.recent, expected, "e1 and e2 had left the window, so each was admitted again")
    }
}
