import EventLog
import Foundation
import TestSupport
import XCTest

/// The report's scenario through the binary: damage in the middle of a segment with valid batches
/// after it. The next writable command refuses with one line and changes nothing; `verify` names the
/// damaged range; `repair` moves it aside; then everything else reads and appends as before.
final class RepairCLITests: XCTestCase {
    var directory: TemporaryDirectory!
    var dir: String { directory.appending("log") }
    var segment: String { dir + "/t-0/00000000000000000000.log" }
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func testRefusalVerifyRepairAndAppendAfterMidSegmentDamage() throws {
        XCTAssertEqual(try rewind(["topics", "create", "t", "--dir", dir]).status, 0)
        var starts: [Int] = []
        for batch in 0..<20 {
            starts.append(FileSystem.exists(segment) ? Int(try FileSystem.fileSize(segment)) : 0)
            let lines = (0..<50).map { #"{"b":\#(batch),"i":\#($0)}"# }.joined(separator: "\n") + "\n"
            XCTAssertEqual(try rewind(["produce", "t", "--partition", "0", "--dir", dir], stdin: lines).status, 0)
        }
        // Batch 11's length field off by 7: outside the CRC, so only a resync sees the batches after it.
        let file = try SystemFile(path: segment, mode: .readWrite)
        var length = try file.read(at: Int64(starts[10] + 8), count: 4)
        length[3] &+= 7
        try file.write(length, at: Int64(starts[10] + 8))
        file.close()
        let damaged = try SystemFile(path: segment, mode: .readOnly).readAll(limit: 1 << 24)

        let refused = try rewind(["produce", "t", "--dir", dir], stdin: #"{"x":1}"# + "\n")
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr.filter { $0 == "\n" }.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains(segment), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("damaged bytes \(starts[10])..<\(starts[11])"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("offsets 500...549"), refused.stderr)
        XCTAssertEqual(try SystemFile(path: segment, mode: .readOnly).readAll(limit: 1 << 24), damaged, "nothing truncated")

        let verify = try rewind(["verify", dir])
        XCTAssertEqual(verify.status, 2)
        XCTAssertTrue(verify.stdout.contains("damaged bytes \(starts[10])..<\(starts[11])"), verify.stdout)
        XCTAssertFalse(verify.stdout.contains("incomplete tail"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("950 records"), verify.stdout)

        let repair = try rewind(["repair", dir])
        XCTAssertEqual(repair.status, 0, repair.stderr)
        XCTAssertTrue(repair.stdout.contains("00000000000000000000.log.corrupt-\(starts[10])"), repair.stdout)
        XCTAssertTrue(repair.stdout.contains("1 damaged range moved aside"), repair.stdout)

        let clean = try rewind(["verify", dir])
        XCTAssertEqual(clean.status, 0, clean.stdout)
        XCTAssertTrue(clean.stdout.contains("quarantined:"), clean.stdout)
        XCTAssertEqual(try rewind(["produce", "t", "--partition", "0", "--dir", dir], stdin: #"{"x":1}"# + "\n").status, 0)
        let consumed = try rewind(["consume", "t", "--from-beginning", "--dir", dir])
        let offsets = consumed.stdout.split(separator: "\n").compactMap { line -> Int? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["offset"] as? Int
        }
        XCTAssertEqual(offsets, Array(0..<500) + Array(550..<1001))
        XCTAssertEqual(try rewind(["repair", "../shared/testdata/kafka-java"]).status, 1, "a captured Kafka dir is never modified")
    }
}
