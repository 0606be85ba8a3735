import EventLog
import Interop
import TestSupport
import XCTest

/// `consume` prints an envelope and `produce --envelope` parses it back: the one parser must give
/// back every key, value, header and timestamp EventJSON.line wrote, whatever the bytes.
final class EventEnvelopeTests: XCTestCase {
    func testWhatConsumePrintsParsesBackExactly() throws {
        var random = SeededRandom.fromEnvironment()
        func bytes() -> [UInt8]? {
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return nil
            case 1: return Array("{\"n\":\(Int.random(in: -99...99, using: &random)),\"s\":\"a\\\"b\"}".utf8) // JSON: spliced in as is
            case 2: return Array("plain text é ✓".utf8)
            case 3: return []
            default: return random.bytes(Int.random(in: 1...40, using: &random)) // mostly not UTF-8: base64
            }
        }
        for round in 0..<2_000 {
            let headers = (0..<Int.random(in: 0...3, using: &random)).map { Header(key: "h\($0)", value: bytes()) }
            let record = Record(offset: Offset(Int64(round)), timestamp: Timestamp(milliseconds: Int64.random(in: 0...1_800_000_000_000, using: &random)),
                                key: bytes(), value: bytes(), headers: headers, batch: .remote(offset: Offset(Int64(round)), sizeInBytes: 0))
            var line = EventJSON.line(topic: "t", partition: 3, record: record)
            line.removeLast() // the newline
            let (parsed, partition) = try EventEnvelope.parse(line, time: Timestamp(milliseconds: -1))
            let text = String(decoding: line, as: UTF8.self)
            XCTAssertEqual(partition, 3, text)
            XCTAssertEqual(parsed.timestamp, record.timestamp, text)
            XCTAssertEqual(parsed.key, record.key, "seed \(random.seed): \(text)")
            XCTAssertEqual(parsed.headers, record.headers, "seed \(random.seed): \(text)")
            // A value that is JSON comes back as its JSON text; an empty value prints as "".
            XCTAssertEqual(parsed.value, record.value, "seed \(random.seed): \(text)")
        }
    }

    func testBadEnvelopesNameWhatIsWrong() {
        for (line, problem) in [("{\"key\":5}", "key must be"), ("{\"timestamp\":\"x\"}", "timestamp must be"),
                                ("{\"headers\":[[\"a\"]]}", "headers must be"), ("[1,2]", "invalid JSON object"), ("{", "invalid JSON object")] {
            XCTAssertThrowsError(try EventEnvelope.parse(Array(line.utf8), time: Timestamp(milliseconds: 0)), line) { error in
                XCTAssertTrue("\(error)".contains(problem), "\(line): \(error)")
            }
        }
    }
}
