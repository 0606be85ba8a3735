import EventLog
import Foundation
import TestSupport
import XCTest

/// Runs the built `rewind` binary the way a user or script would.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func rewindBinary() -> String {
    // The test bundle sits beside the products of the same build.
    let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
    return bundle.deletingLastPathComponent().appendingPathComponent("rewind").path
}

@discardableResult
func rewind(_ arguments: [String], stdin: String = "") throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: rewindBinary())
    process.arguments = arguments
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
}

final class CLITests: XCTestCase {
    var directory: TemporaryDirectory!
    var dir: String { directory.appending("log") }
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    func assertOneLineError(_ result: CommandResult, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("rewind: error: "), result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(text), "\(result.stderr) lacks \(text)", file: file, line: line)
    }

    func testProduceConsumeRoundTripKeepsValuesByteExact() throws {
        try XCTAssertEqual(rewind(["topics", "create", "payments", "--partitions", "3", "--dir", dir]).status, 0)
        let lines = [
            #"{"type":"deposit","account":"BradA","amount":38}"#,
            #"{"type":"withdrawal","account":"Zoë","amount":1.5e3,"note":"wire ✓ \"quoted\""}"#,
            #"[1,2,{"nested":[true,false,null]}]"#,
            #""just a string""#,
        ]
        let produced = try rewind(["produce", "payments", "--dir", dir, "--key-field", "account", "--header", "source=test"],
                                  stdin: lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(produced.status, 0, produced.stderr)
        let consumed = try rewind(["--dir", dir, "consume", "payments"])
        XCTAssertEqual(consumed.status, 0, consumed.stderr)
        let events = consumed.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(events.count, 4)
        // Values are spliced into the output unchanged: find each original line verbatim.
        for line in lines { XCTAssertTrue(consumed.stdout.contains("\"value\":" + line + "}"), line) }
        let brad = events.first { ($0["key"] as? String) == "BradA" }!
        XCTAssertEqual(brad["partition"] as? Int, Int(Partitioner().partition(forKey: Array("BradA".utf8), partitions: 3)))
        XCTAssertEqual((brad["headers"] as! [[String]]), [["source", "test"]])

        // consume | produce --envelope copies events exactly (keys, headers, timestamps, partitions).
        try XCTAssertEqual(rewind(["topics", "create", "copy", "--partitions", "3", "--dir", dir]).status, 0)
        let copied = try rewind(["produce", "copy", "--envelope", "--dir", dir], stdin: consumed.stdout)
        XCTAssertEqual(copied.status, 0, copied.stderr)
        let again = try rewind(["consume", "copy", "--dir", dir])
        XCTAssertEqual(again.stdout.replacingOccurrences(of: "\"topic\":\"copy\"", with: "\"topic\":\"payments\""), consumed.stdout)
    }

    func testPositionsByOffsetTimeAndGroup() throws {
        try rewind(["topics", "create", "t", "--dir", dir])
        let input = (0..<10).map { #"{"n":\#($0)}"# }.joined(separator: "\n")
        for (n, line) in input.split(separator: "\n").enumerated() {
            let result = try rewind(["produce", "t", "--dir", dir, "--value", String(line), "--timestamp", "2024-01-15T12:00:0\(n)Z"])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        func offsets(_ extra: [String]) throws -> [Int] {
            let result = try rewind(["consume", "t", "--dir", dir] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            return result.stdout.split(separator: "\n").map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["offset"] as! Int }
        }
        XCTAssertEqual(try offsets(["--offset", "7"]), [7, 8, 9])
        XCTAssertEqual(try offsets(["--at", "2024-01-15T12:00:04Z", "--max", "2"]), [4, 5])
        XCTAssertEqual(try offsets(["--at", "2024-01-15 13:00:04+01:00", "--max", "1"]), [4])
        XCTAssertEqual(try offsets(["--at", "1705320006000"]), [6, 7, 8, 9])
        XCTAssertEqual(try offsets(["--group", "g", "--max", "4"]), [0, 1, 2, 3])
        XCTAssertEqual(try offsets(["--group", "g", "--max", "2"]), [4, 5])
        let describe = try rewind(["groups", "describe", "g", "--dir", dir])
        XCTAssertTrue(describe.stdout.contains("t-0  committed 6  end 10  lag 4"), describe.stdout)
        XCTAssertEqual(try offsets(["--group", "g", "--from-beginning", "--max", "1"]), [0])
    }

    func testBadInputGivesOneLineErrorAndChangesNothing() throws {
        try rewind(["topics", "create", "t", "--dir", dir])
        try rewind(["produce", "t", "--dir", dir, "--value", "{\"ok\":1}"])
        let before = try DirectorySnapshot(dir)
        assertOneLineError(try rewind(["consume", "nope", "--dir", dir]), contains: "unknown topic 'nope'")
        assertOneLineError(try rewind(["consume", "t", "--dir", dir, "--offset", "42"]), contains: "offset 42 is outside")
        assertOneLineError(try rewind(["consume", "t", "--dir", dir, "--at", "next tuesday"]), contains: "cannot read time 'next tuesday'")
        assertOneLineError(try rewind(["consume", "t", "--dir", dir, "--offset", "-x"]), contains: "--offset")
        assertOneLineError(try rewind(["topics", "create", "bad name", "--dir", dir]), contains: "invalid topic name")
        assertOneLineError(try rewind(["consume", "t", "--dir", directory.appending("missing")]), contains: "no such log directory")
        XCTAssertEqual(try DirectorySnapshot(dir), before)
        let malformed = try rewind(["produce", "t", "--dir", dir], stdin: "{\"a\":1}\n{\"b\":\n")
        assertOneLineError(malformed, contains: "stdin:2: not valid JSON")
        XCTAssertTrue(malformed.stderr.contains("1 events before it were appended"))
        XCTAssertEqual(try rewind(["consume", "t", "--dir", dir]).stdout.split(separator: "\n").count, 2)
    }

    func testVerifyReportsCorruptionWithFileAndPositionAndExitsNonZero() throws {
        try rewind(["topics", "create", "t", "--dir", dir])
        for n in 0..<3 { try rewind(["produce", "t", "--dir", dir, "--value", "{\"n\":\(n)}"]) }
        let segment = dir + "/t-0/00000000000000000000.log"
        let clean = try rewind(["verify", dir])
        XCTAssertEqual(clean.status, 0)
        XCTAssertTrue(clean.stdout.contains("3 records"), clean.stdout)
        let size = try FileSystem.fileSize(segment)
        let batchSize = size / 3
        let file = try SystemFile(path: segment, mode: .readWrite)
        let position = batchSize + 65 // inside the second batch's records
        var byte = try file.read(at: position, count: 1)
        byte[0] ^= 0xFF
        try file.write(byte, at: position)
        file.close()
        let before = try DirectorySnapshot(dir)
        let report = try rewind(["verify", dir])
        XCTAssertEqual(report.status, 2)
        XCTAssertTrue(report.stdout.contains("\(segment) at byte \(batchSize)"), report.stdout)
        XCTAssertTrue(report.stdout.contains("offsets 1...1"), report.stdout)
        assertOneLineError(report, contains: "1 integrity problem")
        let consume = try rewind(["consume", "t", "--dir", dir])
        assertOneLineError(consume, contains: "\(segment) at byte \(batchSize)")
        XCTAssertEqual(consume.stdout.split(separator: "\n").count, 1) // the good event before it was printed
        XCTAssertEqual(try DirectorySnapshot(dir), before)
    }

    func testSecondWriterGetsClearError() throws {
        try rewind(["topics", "create", "t", "--dir", dir])
        let holder = try EventLog.open(dir, mode: .readWrite)
        defer { holder.close() }
        assertOneLineError(try rewind(["produce", "t", "--dir", dir, "--value", "1"]), contains: "another process has this log open for writing")
        XCTAssertEqual(try rewind(["consume", "t", "--dir", dir]).status, 0)
    }

    func testNoArgumentsPointsAtDemo() throws {
        let result = try rewind([])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.stdout.contains("rewind demo"))
    }
}
