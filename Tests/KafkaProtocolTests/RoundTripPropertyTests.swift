import Foundation
import XCTest
@testable import KafkaProtocol

/// Random message → encode → decode → equal, for every message type and every version its schema
/// lists. Set KAFKA_PROPERTY_SEED to replay a failure.
final class RoundTripPropertyTests: XCTestCase {
    func testEveryMessageRoundTripsInEveryVersion() throws {
        let seed = ProcessInfo.processInfo.environment["KAFKA_PROPERTY_SEED"].flatMap(UInt64.init)
            ?? UInt64(Date().timeIntervalSince1970 * 1000)
        print("round-trip property seed: \(seed) (KAFKA_PROPERTY_SEED=\(seed) replays it)")
        var rng = MessageRandom(seed: seed)
        var checked = 0
        for (type, makeRandom) in randomMessages() {
            for version in type.validVersions {
                for _ in 0..<25 {
                    let message = makeRandom(version, &rng)
                    try assertRoundTrip(message, version: version, seed: seed)
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 3000)
    }

    /// Opens the existential so the decoded value can be compared with `==`.
    private func assertRoundTrip<M: KafkaMessage>(_ message: M, version: Int16, seed: UInt64) throws {
        let bytes = message.encoded(version: version)
        let decoded: M
        do {
            decoded = try M.decode(bytes, version: version)
        } catch {
            return XCTFail("\(M.self) v\(version) seed \(seed): decode of own encoding failed: \(error)")
        }
        XCTAssertEqual(decoded, message, "\(M.self) v\(version) seed \(seed)")
        // Every proper prefix is a truncated message: it must throw, never trap.
        if bytes.count > 0 {
            let cut = Array(bytes.prefix(bytes.count / 2))
            XCTAssertThrowsError(try M.decode(cut, version: version), "\(M.self) v\(version): a cut message decoded")
        }
    }
}
