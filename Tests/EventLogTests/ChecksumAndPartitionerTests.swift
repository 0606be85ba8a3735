import CRC32C
@testable import EventLog
import TestSupport
import XCTest

final class ChecksumAndPartitionerTests: XCTestCase {
    func testCRC32CKnownAnswer() {
        let bytes = Array("123456789".utf8)
        XCTAssertEqual(rewind_crc32c_extend(0, bytes, bytes.count), 0xE306_9283)
        XCTAssertEqual(rewind_crc32c_extend_portable(0, bytes, bytes.count), 0xE306_9283)
        XCTAssertEqual(rewind_crc32c_extend(0, bytes, 0), 0)
    }

    /// The interleaved hardware path (lanes merged by a shift operator) must agree with the plain
    /// table path at every length, including across the 3-lane block boundary, and when extended.
    func testHardwareAndPortablePathsAgree() {
        var random = SeededRandom.fromEnvironment()
        let data = random.bytes(40_000)
        let lengths = Array(0..<70) + [4095, 4096, 4097, 12_287, 12_288, 12_289, 24_576, 24_577, 39_999] + (0..<40).map { _ in Int.random(in: 0..<40_000, using: &random) }
        for length in lengths {
            let start = Int.random(in: 0..<(data.count - length + 1), using: &random)
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress! + start
                XCTAssertEqual(rewind_crc32c_extend(0, base, length), rewind_crc32c_extend_portable(0, base, length), "length \(length)")
                let split = length / 3
                let whole = rewind_crc32c_extend(0, base, length)
                let extended = rewind_crc32c_extend(rewind_crc32c_extend(0, base, split), base + split, length - split)
                XCTAssertEqual(whole, extended, "extend at \(split) of \(length)")
            }
        }
    }

    /// Vectors from Kafka's own UtilsTest, so keys land in the partition a Kafka producer picks.
    func testMurmur2MatchesKafka() {
        let cases: [(String, Int32)] = [
            ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829), ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107), ("1", -1_993_445_489), ("12", 126_087_238), ("123", -267_702_483),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(Int32(bitPattern: Partitioner.murmur2(Array(text.utf8))), expected, text)
        }
        let partitioner = Partitioner()
        // toPositive(-973932308) % 3 == (0x7fffffff & ...) % 3
        XCTAssertEqual(partitioner.partition(forKey: Array("21".utf8), partitions: 3), Int32((UInt32(bitPattern: -973_932_308) & 0x7FFF_FFFF) % 3))
    }
}
