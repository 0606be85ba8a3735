import Foundation
import XCTest
@testable import KafkaProtocol

/// Random message → encode → decode → equal, for every message type and every version its schema
/// lists. Set REWIND_SEED to replay a failure.
final class RoundTripPropertyTests: XCTestCase {
    func testEveryMessageRoundTripsInEveryVersion() throws {
        let seed = ProcessInfo.processInfo.environment["REWIND_SEED"].flatMap(UInt64.init)
            ?? UInt64(Date().timeIntervalSince1970 * 1000)
        print("round-trip property seed: \(seed) (REWIND_SEED=\(seed) replays it)")
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

    /// Mutated valid messages and random bytes through every request and response decoder at
    /// every version: each decode returns or throws (a trap would end the test run), and a
    /// hostile count never allocates (an over-allocation of claimed elements would exhaust memory).
    func testDecodersTakeMutatedAndRandomBytesWithoutTrapping() {
        let seed = ProcessInfo.processInfo.environment["REWIND_SEED"].flatMap(UInt64.init)
            ?? UInt64(Date().timeIntervalSince1970 * 1000) ^ 0x5EED
        print("decoder mutation seed: \(seed)")
        var rng = MessageRandom(seed: seed)
        let types = randomMessages()
        var accepted = 0, rejected = 0
        for _ in 0..<3_000 {
            let (type, makeRandom) = types[Int(rng.next() % UInt64(types.count))]
            let version = type.validVersions.lowerBound + Int16(rng.next() % UInt64(type.validVersions.count))
            var bytes = makeRandom(version, &rng).encoded(version: version)
            switch rng.next() % 3 {
            case 0 where !bytes.isEmpty:
                for _ in 0...(rng.next() % 4) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            case 1:
                bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            default:
                // A count or length field set to its maximum.
                if bytes.count >= 4 { bytes.replaceSubrange(0..<4, with: [0x7F, 0xFF, 0xFF, 0xFF]) }
            }
            for target in [type] + [KafkaSchemas.requests[type.apiKey], KafkaSchemas.responses[type.apiKey]].compactMap({ $0 }) {
                for version in target.validVersions {
                    if (try? target.decode(bytes, version: version)) != nil { accepted += 1 } else { rejected += 1 }
                }
            }
        }
        XCTAssertGreaterThan(rejected, 0)
        print("decoder mutation: \(accepted) decoded, \(rejected) rejected")
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
