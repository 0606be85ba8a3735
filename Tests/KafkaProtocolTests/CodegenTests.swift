import Foundation
import XCTest

/// The generated codecs are committed; running the generator again must give the same bytes, so a
/// hand edit of Generated/ or a generator change without regenerating fails here.
final class CodegenTests: XCTestCase {
    func testGeneratedSourcesMatchTheGenerator() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-codegen-\(getpid())")
        let sources = scratch.appendingPathComponent("Sources"), tests = scratch.appendingPathComponent("Tests")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("Tools/kafka-codegen.py").path,
                             root.appendingPathComponent("Tools/kafka-schemas").path, sources.path, tests.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "the generator failed")
        for (generated, committed) in [(sources, root.appendingPathComponent("Sources/KafkaProtocol/Generated")),
                                       (tests, root.appendingPathComponent("Tests/KafkaProtocolTests/Generated"))] {
            let names = try FileManager.default.contentsOfDirectory(atPath: generated.path).sorted()
            XCTAssertEqual(names, try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted(), committed.path)
            for name in names {
                let fresh = try Data(contentsOf: generated.appendingPathComponent(name))
                let stored = try Data(contentsOf: committed.appendingPathComponent(name))
                XCTAssertEqual(fresh, stored, "\(name) differs from what Tools/kafka-codegen.py generates: run it again")
            }
        }
    }
}
