@testable import Explorer
import Foundation
import Projections
import TestSupport
import XCTest

/// Each pane and overlay rendered at 120×40, 80×24 and 40×12, compared with checked-in text and
/// cell roles (`Screen.roles`). Re-record
/// with RECORD_GOLDEN=1 (the test then fails, so a re-record is never a silent pass).
final class GoldenScreenTests: XCTestCase {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func assertGolden(_ name: String, _ state: ExplorerState, file: StaticString = #filePath, line: UInt = #line) {
        for (width, height) in [(120, 40), (80, 24), (40, 12)] {
            var sized = state
            sized.width = width
            sized.height = height
            let screen = Explorer.render(sized, width: width, height: height)
            // The text and, beside it, a role per cell (selection, changed row, warning, heading).
            for (suffix, content) in [("txt", screen.text + "\n"), ("style.txt", screen.roles + "\n")] {
                let url = Self.goldenDirectory.appendingPathComponent("\(name)-\(width)x\(height).\(suffix)")
                if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] != nil {
                    try! content.write(to: url, atomically: true, encoding: .utf8)
                    XCTFail("recorded \(url.lastPathComponent); run again without RECORD_GOLDEN", file: file, line: line)
                    continue
                }
                guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
                    XCTFail("missing golden \(url.lastPathComponent) (record with RECORD_GOLDEN=1)", file: file, line: line)
                    continue
                }
                XCTAssertEqual(content, expected, "\(name) at \(width)x\(height) differs from \(url.lastPathComponent)", file: file, line: line)
            }
        }
    }

    func testMainScreen() { assertGolden("main", fixtureState()) }

    func testTopicsFocused() {
        var state = fixtureState()
        state.focus = .topics
        state.partitionIndex = 1
        assertGolden("topics-focus", state)
    }

    /// The badge and the header for data that does not match its CRC or chain.
    func testBrokenBadge() {
        var state = fixtureState()
        state.partitionIndex = 1
        assertGolden("badge-broken", state)
    }

    /// A check that could not read the files says so, and never "BROKEN".
    func testUnreadableBadge() {
        var state = fixtureState()
        state.topics[0].partitions[1].integrity = .unreadable(reason: "cannot open: Permission denied")
        state.partitionIndex = 1
        assertGolden("badge-unreadable", state)
    }

    /// A broker's 50-partition topic on one line (3 loaded, the cursor's partition named), above
    /// the fixture's topics listed in full.
    func testTopicOfManyPartitionsCollapsed() { assertGolden("topics-collapsed", manyPartitionsState()) }

    func testViewFocusedWithSelection() {
        var state = fixtureState()
        state.focus = .view
        state.view.selected = 2
        assertGolden("view-focus", state)
    }

    /// After `m` and a move: changed rows marked Δ with each changed field's delta, a new row +,
    /// a removed one counted in the title.
    func testViewMarkShowsDeltasSinceTheMark() {
        var state = fixtureState()
        let now = state.view.rows
        var then = now
        then[0].values[0] = .double(1200) // BradA: +50 since the mark
        then[0].values[1] = .int(39)
        then.remove(at: 2) // EveL is new since the mark
        then.append(ViewRow(key: "DanK", values: [.double(5), .int(1), .int(0), .int(0), .text("x")])) // gone since
        state.view.mark = ViewMark(asOf: "p0@1100 11-16 22:00:00", columns: state.view.columns, rows: then)
        state.view.changed = [:]
        assertGolden("view-mark", state)
    }

    /// A `table` view of CDC rows: columns from the rows' fields, nested values compact.
    func testTableView() {
        var state = fixtureState()
        state.view.name = "auto"
        state.view.follower = ExplorerState.Follower(name: "view table → monolith.bank.customers", position: 40, end: 40)
        state.view.columns = ["key", "id", "name", "city", "tags"]
        state.view.rows = [
            ViewRow(key: #"{"id":1}"#, values: [.int(1), .text("Ann"), .text("Oslo"), .json(#"["vip"]"#)]),
            ViewRow(key: #"{"id":3}"#, values: [.int(3), .text("Cy"), .text("Nice"), .null]),
        ]
        assertGolden("view-table", state)
    }

    func testRebuilding() {
        var state = fixtureState()
        state.view.mode = .rebuilding(paused: false)
        state.view.eventsPerTick = 15
        state.view.applied = 730
        state.view.follower.position = 730
        state.status = "rebuilding balances from offset 0 — +/- speed, space pause, . one event"
        assertGolden("rebuilding", state)
    }

    func testHelpOverlay() {
        var state = fixtureState()
        state.overlay = .help
        assertGolden("help", state)
    }

    func testDetailOverlay() {
        var state = fixtureState()
        state.overlay = .detail
        state.detail = fixtureDetail()
        assertGolden("detail", state)
    }

    func testLineageOverlay() {
        var state = fixtureState()
        state.overlay = .lineage
        state.lineage = fixtureLineage()
        state.lineageKey = "BradA"
        state.lineageSelected = 1
        assertGolden("lineage", state)
    }

    func testLessonBoxAsked() {
        var state = fixtureState()
        _ = Explorer.startLessons(LessonCatalog.lessons(for: "bank"), at: 2, &state)
        assertGolden("lesson-asked", state)
    }

    func testLessonBoxDone() {
        var state = fixtureState()
        _ = Explorer.startLessons(LessonCatalog.lessons(for: "bank"), at: 0, &state)
        state.follow = false
        _ = Explorer.update(&state, .key(.character("k")))
        _ = Explorer.update(&state, .key(.character("k")))
        _ = Explorer.update(&state, .key(.character("k")))
        XCTAssertEqual(state.lessons.title, "Lesson 1/10 Offsets ✓")
        assertGolden("lesson-done", state)
    }

    func testTimePrompt() {
        var state = fixtureState()
        state.prompt = ExplorerState.Prompt(kind: .time, text: "yesterday 14:00")
        assertGolden("prompt-time", state)
    }

    func testFilterAndError() {
        var state = fixtureState()
        state.filter = "account=Zoë"
        state.status = "no later event matches 'nobody'"
        state.statusIsError = true
        assertGolden("filter-error", state)
    }

    func testHintBarIsWholeHintsFromTheKeymapFittedToTheWidth() {
        let state = fixtureState()
        for width in [20, 40, 80, 120, 200] {
            let bar = Explorer.hintBar(state, width: width)
            XCTAssertLessThanOrEqual(DisplayWidth.of(bar), width)
            let hinted = (Keymap.entries(.panes) + Keymap.entries(.views)).filter { $0.hint != nil }
            // Every word pair is a key and its hint from the tables, most useful (help) first.
            let pairs = bar.split(separator: " ", omittingEmptySubsequences: true)
            XCTAssertTrue(width < 10 || bar.hasPrefix(" ? help"), bar)
            XCTAssertTrue(hinted.contains { bar.hasSuffix("\($0.keys[0].label) \($0.hint!)") } || pairs.isEmpty, "cut mid-hint at \(width): \(bar)")
        }
        var lineage = state
        lineage.overlay = .lineage
        XCTAssertTrue(Explorer.hintBar(lineage, width: 80).contains("Enter jump"), "an overlay's bar shows its own keys")
    }

    func testEmptyLog() {
        var state = ExplorerState()
        state.logLabel = "/empty"
        assertGolden("empty", state)
    }
}

final class RenderPropertyTests: XCTestCase {
    /// Any size from 0×0 up, with hostile content (binary, wide, combining, control characters,
    /// very long values): render never crashes, fills exactly width×height, and wide characters
    /// never spill past the right edge.
    func testRenderIsTotalProperty() {
        var random = SeededRandom.fromEnvironment()
        let nasty = ["⟨12 bytes⟩ 00 ff 7f", "界界界界界界界界界界界界", "e\u{301}e\u{301}e\u{301}", "tab\there\u{7}bell", String(repeating: "x", count: 5000), "👩‍👩‍👧‍👦 family", ""]
        for trial in 0..<400 {
            var state = fixtureState()
            let width = trial < 12 ? trial : Int.random(in: 0...220, using: &random)
            let height = trial < 12 ? trial : Int.random(in: 0...80, using: &random)
            state.events = state.events.map { row in
                var row = row
                row.preview = nasty.randomElement(using: &random)!
                row.key = nasty.randomElement(using: &random)!
                return row
            }
            state.overlay = [ExplorerState.Overlay.none, .help, .detail, .lineage].randomElement(using: &random)!
            if Bool.random(using: &random) { _ = Explorer.startLessons(LessonCatalog.all, at: Int.random(in: 0..<LessonCatalog.all.count, using: &random), &state) }
            state.detail = fixtureDetail() + nasty
            state.lineage = fixtureLineage()
            state.focus = ExplorerState.Pane.allCases.randomElement(using: &random)!
            if Bool.random(using: &random) { state.prompt = ExplorerState.Prompt(kind: .search, text: nasty.randomElement(using: &random)!) }
            let screen = Explorer.render(state, width: width, height: height)
            XCTAssertEqual(screen.cells.count, width * height)
            for row in 0..<height {
                var columns = 0
                for column in 0..<width where !screen[column, row].continuation {
                    columns += DisplayWidth.of(screen[column, row].character) == 2 ? 2 : 1
                }
                XCTAssertEqual(columns, width, "row \(row) at \(width)x\(height) does not fill the width exactly")
            }
        }
    }

    func testSelectedRowIsHighlightedAndChangedRowsStandOut() {
        var state = fixtureState()
        state.focus = .view
        state.view.selected = 0
        let screen = Explorer.render(state, width: 80, height: 24)
        let layout = Layout(width: 80, height: 24)
        let bradRow = (0..<24).first { screen.text.split(separator: "\n")[$0].contains("BradA") && $0 > layout.view.y }!
        XCTAssertTrue(screen[layout.view.x + 2, bradRow].style.reverse)
        let eveRow = (0..<24).first { screen.text.split(separator: "\n")[$0].contains("EveL  ") && $0 > layout.view.y }!
        XCTAssertEqual(screen[layout.view.x + 2, eveRow].style.color, .highlight)
        // The event under the cursor is reversed in the events pane.
        let cursorRow = (0..<24).first { screen.text.split(separator: "\n")[$0].contains("  1195 ") }!
        XCTAssertTrue(screen[layout.events.x + 3, cursorRow].style.reverse)
    }

    func testDisplayWidthTable() {
        XCTAssertEqual(DisplayWidth.of("a"), 1)
        XCTAssertEqual(DisplayWidth.of("界"), 2)
        XCTAssertEqual(DisplayWidth.of("😀"), 2)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
        XCTAssertEqual(DisplayWidth.of("Zoë"), 3)
        XCTAssertEqual(DisplayWidth.of(Unicode.Scalar(0x301)!), 0)
        // The ASCII shortcut counts what the per-character rule counts, control bytes included.
        var random = SeededRandom.fromEnvironment()
        let pieces = ["a", "Z", " ", "\t", "\r\n", "\u{7F}", "\u{1B}", "~", "界", "e\u{301}", "😀", "0"]
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            XCTAssertEqual(DisplayWidth.of(text), text.reduce(0) { $0 + DisplayWidth.of($1) }, text.debugDescription)
        }
    }

    func testPainterDiffIsOnlyTheChangedCells() {
        var first = Screen(width: 10, height: 2)
        first.put("hello", column: 0, row: 0)
        var second = first
        second.put("J", column: 0, row: 1)
        XCTAssertEqual(second.changes(since: first).map { "\($0.column),\($0.row)" }, ["0,1"])
        XCTAssertEqual(second.changes(since: nil).count, 20)
        XCTAssertEqual(second.changes(since: Screen(width: 9, height: 2)).count, 20)
    }
}
