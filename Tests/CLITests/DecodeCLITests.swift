import Foundation
import XCTest

/// The real binary over the shared Avro testdata: `consume` decodes through the captured
/// `_schemas` topic, views fold decoded fields, `--raw` keeps the bytes.
final class DecodeCLITests: XCTestCase {
    static let testData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/testdata/kafka").standardized.path

    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    /// expected-avro.jsonl lists bytes as arrays of byte values; consume prints {"base64"}.
    func rewindForm(_ value: [String: Any]) -> NSDictionary {
        var value = value
        if let bytes = value["ref"] as? [Int] { value["ref"] = ["base64": Data(bytes.map { UInt8($0) }).base64EncodedString()] }
        return value as NSDictionary
    }

    func testConsumeDecodesEveryAvroRecordExactly() throws {
        let result = try rewind(["consume", "payments-avro", "--dir", Self.testData])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try jsonLines(result.stdout)
        let expected = try jsonLines(try String(contentsOfFile: Self.testData + "/expected-avro.jsonl", encoding: .utf8))
        XCTAssertEqual(lines.count, 47)
        XCTAssertEqual(lines.count, expected.count)
        for (line, want) in zip(lines, expected) {
            XCTAssertEqual(line["offset"] as? Int, want["offset"] as? Int)
            XCTAssertEqual(line["value"] as? NSDictionary, rewindForm(want["value"] as! [String: Any]), "offset \(line["offset"] ?? "?")")
            let schemaID = want["schema_id"] as! Int
            XCTAssertEqual(line["value_schema"] as? String, "bank.Payment (id \(schemaID), payments-avro-value v\(schemaID))")
        }
        let raw = try jsonLines(try rewind(["consume", "payments-avro", "--dir", Self.testData, "--max", "1", "--raw"]).stdout)
        XCTAssertEqual(raw.first?["value"] as? NSDictionary, ["base64": "AAAAAAEADENhcm9sTZaRneqUAwA="] as NSDictionary)
        XCTAssertNil(raw.first?["value_schema"])
    }

    func testExportDecodesAndHexFormat() throws {
        let export = try jsonLines(try rewind(["export", "payments-avro", "--dir", Self.testData, "--to", "2"]).stdout)
        XCTAssertEqual(export.count, 2)
        XCTAssertEqual((export[1]["value"] as? [String: Any])?["note"] as? String, "wire ✓")
        let hex = try jsonLines(try rewind(["consume", "payments-avro", "--dir", Self.testData, "--max", "1", "--value-format", "hex"]).stdout)
        XCTAssertEqual(hex.first?["value"] as? String, "0000000001000c4361726f6c4d96919dea940300")
    }

    func testSpecViewFoldsDecodedAvroFields() throws {
        let result = try rewind(["view", "sum(amount) by account", "payments-avro", "--dir", Self.testData, "--format", "csv"])
        XCTAssertEqual(result.status, 0, result.stderr)
        // Sums computed from expected-avro.jsonl, the independent encoder's values.
        XCTAssertEqual(result.stdout, "account,sum(amount),events\nBradA,14590328980821,22\nCarolM,3441439505897,10\nZoë,7405761580298,15\n")
        let flagged = try rewind(["view", "count by type where flagged = true", "payments-avro", "--dir", Self.testData, "--format", "csv"])
        XCTAssertEqual(flagged.stdout, "type,count,events\nDEPOSIT,3,3\nWITHDRAWAL,4,4\n")
    }

    func testBadSchemaFlagsAreOneLineErrors() throws {
        let missing = try rewind(["consume", "payments-avro", "--dir", Self.testData, "--schema", "/nonexistent.avsc"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("rewind: error: /nonexistent.avsc"), missing.stderr)
        let noDesc = try rewind(["consume", "payments-avro", "--dir", Self.testData, "--proto-message", "x.Y"])
        XCTAssertTrue(noDesc.stderr.contains("--proto-message needs --proto-desc"), noDesc.stderr)
    }
}

extension DecodeCLITests {
    func testLineageShowsDecodedValues() throws {
        let result = try rewind(["lineage", "sum(amount) by account", "payments-avro", "Zoë", "--dir", Self.testData])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains(#""account":"Zoë","amount":66247805473"#), result.stdout)
    }
}
