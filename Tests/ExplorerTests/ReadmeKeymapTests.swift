@testable import Explorer
import Foundation
import XCTest

/// The keymap is data: the README's key table must list every binding with its help text.
final class ReadmeKeymapTests: XCTestCase {
    func testReadmeListsEveryBindingOfEveryMode() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        XCTAssertTrue(text.contains(Keymap.readmeTables), "README's key tables differ from the keymap; they should read:\n\(Keymap.readmeTables)")
        // Every mode has a table and every binding a line, so a key added to any mode must reach README.
        for mode in Keymap.Mode.allCases {
            XCTAssertFalse(Keymap.entries(mode).isEmpty, "\(mode) has no bindings")
            XCTAssertTrue(text.contains("**\(mode.title)**"), "README lacks the \(mode) table")
        }
    }
}
