import Foundation
@testable import Payloads
import TestSupport
import XCTest

final class JSONScannerTests: XCTestCase {
    /// Random JSON-ish texts (valid ones, mutations, and every prefix of the valid ones): the
    /// scanner accepts exactly what Python's strict `json` module accepts (an independent RFC 8259
    /// parser; NaN/Infinity refused, as the RFC does).
    func testValidityMatchesAnIndependentParserProperty() throws {
        var random = SeededRandom.fromEnvironment()
        var cases: [[UInt8]] = []
        for _ in 0..<2000 {
            var text = Array(randomJSON(&random, depth: 0).utf8)
            cases.append(text)
            for cut in stride(from: 1, to: text.count, by: max(1, text.count / 6)) { cases.append(Array(text[..<cut])) }
            if !text.isEmpty {
                let index = Int.random(in: 0..<text.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: text.remove(at: index)
                case 1: text.insert(Array("{}[],:\"\\x0-e.".utf8).randomElement(using: &random)!, at: index)
                default: text[index] = UInt8.random(in: 0...255, using: &random)
                }
                cases.append(text)
            }
        }
        let verdicts = try pythonVerdicts(cases)
        XCTAssertEqual(verdicts.count, cases.count)
        var checked = 0
        for (text, expected) in zip(cases, verdicts) {
            let ours = text.withUnsafeBytes { JSONScanner.isValid($0) }
            XCTAssertEqual(ours, expected, "disagree on \(String(decoding: text, as: UTF8.self)) (bytes \(text))")
            checked += 1
        }
        XCTAssertGreaterThan(verdicts.filter { $0 }.count, 2000)
        XCTAssertGreaterThan(verdicts.filter { !$0 }.count, 1000)
    }

    private func pythonVerdicts(_ cases: [[UInt8]]) throws -> [Bool] {
        let script = """
        import sys, json, base64
        def reject(_): raise ValueError
        for line in sys.stdin:
            data = base64.b64decode(line.strip())
            try:
                text = data.decode('utf-8', 'strict')
                json.loads(text, parse_constant=reject)
                print(1)
            except Exception:
                print(0)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let payload = cases.map { Data($0).base64EncodedString() }.joined(separator: "\n") + "\n"
        let writer = Thread { input.fileHandleForWriting.write(Data(payload.utf8)); try? input.fileHandleForWriting.close() }
        writer.start()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: result, as: UTF8.self).split(separator: "\n").map { $0 == "1" }
    }

    func testMembersAndScalars() {
        let text = #"{"type":"deposit", "acc\u006Funt" : "Zoë", "amount": -12.5e1, "n": 42, "nested": {"a": [1, {"b": null}]}, "s": "x\"y\n"}"#
        Array(text.utf8).withUnsafeBytes { bytes in
            var seen: [String: String] = [:]
            XCTAssertTrue(JSONScanner.forEachMember(bytes) { key, range in
                seen[key] = String(decoding: bytes[range], as: UTF8.self)
                return true
            })
            XCTAssertEqual(seen["account"], "\"Zoë\"")
            XCTAssertEqual(JSONScanner.member("n", in: bytes).flatMap(JSONScanner.integer), 42)
            XCTAssertEqual(JSONScanner.member("amount", in: bytes).flatMap(JSONScanner.number), -125)
            XCTAssertEqual(JSONScanner.member("s", in: bytes).flatMap(JSONScanner.decodeString), "x\"y\n")
            XCTAssertEqual(Array("account".utf8).withUnsafeBytes { JSONScanner.member($0, in: bytes) }.flatMap(JSONScanner.decodeString), "Zoë")
            XCTAssertNil(JSONScanner.member("missing", in: bytes))
            let nested = JSONScanner.member("nested", in: bytes)!
            var elements: [String] = []
            JSONScanner.forEachElement(JSONScanner.member("a", in: nested)!) { range in
                elements.append(String(decoding: JSONScanner.member("a", in: nested)![range], as: UTF8.self))
                return true
            }
            XCTAssertEqual(elements, ["1", #"{"b": null}"#])
        }
        XCTAssertNil(Array("01".utf8).withUnsafeBytes { JSONScanner.integer($0) })
        XCTAssertEqual(Array(#""\ud83d\ude00""#.utf8).withUnsafeBytes { JSONScanner.decodeString($0) }, "😀")
    }

    /// The folds' pointer walk (`forEachRawMember`) against the shared member walk it replaced
    /// (`walkMembers` without UTF-8 checks): on random objects, their prefixes and mutations, with
    /// the body stopping at a random member, both report the same members and the same verdict.
    func testRawMemberWalkMatchesTheMemberWalkProperty() {
        var random = SeededRandom.fromEnvironment()
        var agreedValid = 0
        for _ in 0..<20_000 {
            var text = Array(randomObject(&random).utf8)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: break
            case 1: text = Array(text[..<Int.random(in: 0...text.count, using: &random)])
            case 2 where !text.isEmpty:
                let index = Int.random(in: 0..<text.count, using: &random)
                text.insert(Array("{}[],:\"\\ x0-e.E+\u{7F}".utf8).randomElement(using: &random)!, at: index)
            default:
                if !text.isEmpty { text[Int.random(in: 0..<text.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            }
            let stopAfter = Int.random(in: 0...6, using: &random)
            text.withUnsafeBytes { bytes in
                var fast: [[UInt8]] = []
                let fastVerdict = JSONScanner.forEachRawMember(bytes) { key, value in
                    fast.append(Array(key) + [0] + Array(value))
                    return fast.count <= stopAfter
                }
                var reference: [[UInt8]] = []
                let referenceVerdict = JSONScanner.walkMembers(bytes, validateUTF8: false) { key, value in
                    reference.append(Array(bytes[key]) + [0] + Array(bytes[value]))
                    return reference.count <= stopAfter
                }
                XCTAssertEqual(fast, reference, "members of \(text)")
                XCTAssertEqual(fastVerdict, referenceVerdict, "verdict on \(text)")
                if fastVerdict && fastVerdict == referenceVerdict { agreedValid += 1 }
            }
        }
        XCTAssertGreaterThan(agreedValid, 3000)
    }

    /// Objects with the shapes the walk's fast paths take: long and escaped strings (escapes at
    /// every position of an 8-byte word), numbers of every form, nesting and odd whitespace.
    private func randomObject(_ random: inout SeededRandom) -> String {
        let space = { (random: inout SeededRandom) in ["", "", " ", "\n\t ", "\r"].randomElement(using: &random)! }
        let members = (0..<Int.random(in: 0...5, using: &random)).map { _ in
            space(&random) + randomString(&random) + space(&random) + ":" + space(&random) + randomValue(&random) + space(&random)
        }
        return space(&random) + "{" + members.joined(separator: ",") + "}" + space(&random)
    }

    private func randomString(_ random: inout SeededRandom) -> String {
        let pieces = ["a", "type", "Zoë", "\\\"", "\\\\", "\\n", "\\u00e9", "0123456789abcdef", "\u{1}", "😀", " "]
        return "\"" + (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() + "\""
    }

    private func randomValue(_ random: inout SeededRandom) -> String {
        switch Int.random(in: 0..<6, using: &random) {
        case 0, 1: return randomString(&random)
        case 2: return ["0", "-0", "7", "-12", "12.5", "1e10", "-0.25E-3", "1E+2", "01", "-", "1.", "1e", "12345678901234567890"].randomElement(using: &random)!
        case 3: return ["true", "false", "null", "nul", "tru"].randomElement(using: &random)!
        case 4: return randomJSON(&random, depth: 2)
        default: return "{" + randomString(&random) + ":" + randomJSON(&random, depth: 3) + "}"
        }
    }

    func testDeepNestingIsRejectedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertFalse(Array(deep.utf8).withUnsafeBytes { JSONScanner.isValid($0) })
    }

    func testBase64RoundTripProperty() {
        var random = SeededRandom.fromEnvironment()
        for length in 0..<200 {
            let bytes = random.bytes(length)
            let encoded = Base64.encode(bytes)
            XCTAssertEqual(encoded, Data(bytes).base64EncodedString())
            XCTAssertEqual(Base64.decode(encoded), bytes)
        }
        XCTAssertNil(Base64.decode("ab$d"))
    }

    private func randomJSON(_ random: inout SeededRandom, depth: Int) -> String {
        let choice = Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &random)
        switch choice {
        case 0: return ["true", "false", "null"].randomElement(using: &random)!
        case 1: return ["0", "-1", "12.5", "1e10", "-0.25E-3", "12345678901234"].randomElement(using: &random)!
        case 2: return #""\#(["", "a", "Zoë", "\\n", "\\u00e9", "tab\\t", "q\\\"", "😀"].randomElement(using: &random)!)""#
        case 3, 4: return " " + ["1", "\"x\""].randomElement(using: &random)! + " "
        case 5: return "[" + (0..<Int.random(in: 0...3, using: &random)).map { _ in randomJSON(&random, depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return "{" + (0..<Int.random(in: 0...3, using: &random)).map { n in "\"k\(n)\":" + randomJSON(&random, depth: depth + 1) }.joined(separator: ",") + "}"
        }
    }
}
