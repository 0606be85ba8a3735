import Basics
import Foundation
import TestSupport
import XCTest

final class TimeFormatTests: XCTestCase {
    /// The byte-buffer ISO form agrees with Foundation's formatter for random instants from 1900
    /// to 9999, and years outside four digits still format.
    func testISOMatchesFoundation() {
        var random = SeededRandom.fromEnvironment()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let edges: [Int64] = [0, -1, 1, 86_399_999, 86_400_000, -86_400_000, 951_782_400_000, 253_402_300_799_999]
        for milliseconds in edges + (0..<2000).map({ _ in Int64.random(in: -2_208_988_800_000...253_402_300_799_999, using: &random) }) {
            // Whole seconds through the calendar (exact in a Double), the milliseconds apart.
            let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!,
                                  Int(milliseconds - seconds * 1000))
            XCTAssertEqual(TimeFormat.iso(Timestamp(milliseconds: milliseconds)), expected, "\(milliseconds)")
        }
        XCTAssertEqual(TimeFormat.iso(Timestamp(milliseconds: 253_402_300_800_000)), "10000-01-01T00:00:00.000Z")
    }
}
