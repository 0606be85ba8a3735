import Foundation
import Payloads
import TestSupport
import XCTest

/// JSONText's string path, which `consume` runs for every key, value and header: seeded random
/// bytes (ASCII runs longer than its 8-byte steps, quotes, backslashes, control bytes, multibyte
/// UTF-8 and broken sequences anywhere).
final class JSONTextTests: XCTestCase {
    private func randomBytes(_ random: inout SeededRandom) -> [UInt8] {
        let pieces: [[UInt8]] = [Array("abcdefghij".utf8), [0x22], [0x5C], [0x0A], [0x09], [0x01], [0x1F], Array("é".utf8), Array("✓".utf8),
                                 Array("😀".utf8), [0xC3], [0x80], [0xFF], [0xE2, 0x9C], Array("0123456789abcdef".utf8)]
        return (0..<Int.random(in: 0...12, using: &random)).flatMap { _ in pieces.randomElement(using: &random)! }
    }

    func testUTF8ValidityMatchesTheStandardLibrary() {
        var random = SeededRandom.fromEnvironment()
        for _ in 0..<5_000 {
            let bytes = randomBytes(&random)
            let expected = String(validating: bytes, as: UTF8.self) != nil
            XCTAssertEqual(bytes.withUnsafeBytes { JSONText.isValidUTF8($0) }, expected, "seed \(random.seed): \(bytes)")
        }
    }

    func testStringsParseBackAsTheSameText() throws {
        var random = SeededRandom.fromEnvironment()
        for _ in 0..<3_000 {
            let bytes = randomBytes(&random)
            guard let text = String(validating: bytes, as: UTF8.self) else { continue }
            var out: [UInt8] = []
            bytes.withUnsafeBytes { JSONText.appendString($0, to: &out) }
            let parsed = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
            XCTAssertEqual(parsed, text, "seed \(random.seed): \(String(decoding: out, as: UTF8.self))")
            XCTAssertFalse(out.dropFirst().dropLast().contains { $0 < 0x20 }, "control bytes escaped")
        }
    }
}
