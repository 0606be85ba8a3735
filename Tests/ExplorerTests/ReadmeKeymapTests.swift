@testable import Explorer
import Foundation
import XCTest

/// The keymap is data: the README's key table must list every binding with its help text.
final class ReadmeKeymapTests: XCTestCase {
    func testReadmeListsEveryBinding() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        for binding in Keymap.bindings {
            let keys = binding.keys.map { "`\($0.label)`" }.joined(separator: " ")
            XCTAssertTrue(text.contains("| \(keys) | \(binding.help) (\(binding.group.lowercased())) |"),
                          "README's key table lacks \(keys) → \(binding.help)")
        }
    }
}
