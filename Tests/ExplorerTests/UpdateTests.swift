@testable import Explorer
import Projections
import XCTest

final class UpdateTests: XCTestCase {
    func keys(_ state: inout ExplorerState, _ keys: [Key]) -> [Effect] {
        keys.flatMap { Explorer.update(&state, .key($0)) }
    }

    func typed(_ text: String) -> [Key] { text.map { Key.character($0) } }

    func testStepAndPageMoveTheCursorAndSyncTheView() {
        var state = fixtureState()
        state.follow = true
        var effects = keys(&state, [.character("j")])
        XCTAssertEqual(state.cursor, 1196)
        XCTAssertFalse(state.follow)
        XCTAssertEqual(effects, [.loadEvents(topic: "payments", partition: 0, around: 1196, count: state.eventsPageSize, filter: nil),
                                 .syncView(name: "balances", topic: "payments", partition: 0, offset: 1196)])
        effects = keys(&state, [.up, .up, .up])
        XCTAssertEqual(state.cursor, 1193)
        _ = keys(&state, [.character("g")])
        XCTAssertEqual(state.cursor, 0)
        _ = keys(&state, [.end])
        XCTAssertEqual(state.cursor, 1199)
        _ = keys(&state, [.pageUp])
        XCTAssertEqual(state.cursor, 1199 - Int64(state.eventsPageSize))
        // Never past the ends.
        _ = keys(&state, [.character("G"), .character("j"), .character("j")])
        XCTAssertEqual(state.cursor, 1199)
    }

    func testGotoOffsetPromptAndBadInput() {
        var state = fixtureState()
        var effects = keys(&state, [.character(":")] + typed("42") + [.enter])
        XCTAssertNil(state.prompt)
        XCTAssertEqual(effects, [.gotoOffset(topic: "payments", partition: 0, offset: 42)])
        effects = keys(&state, [.character(":")] + typed("4x") + [.backspace, .character("z"), .enter])
        XCTAssertEqual(effects, [])
        XCTAssertTrue(state.statusIsError)
        XCTAssertEqual(keys(&state, [.character(":"), .character("7"), .escape]), [])
        XCTAssertNil(state.prompt)
    }

    func testTimeJumpAndScrub() {
        var state = fixtureState()
        let effects = keys(&state, [.character("t")] + typed("yesterday 14:00") + [.enter])
        XCTAssertEqual(effects, [.seekTime(topic: "payments", partition: 0, expression: "yesterday 14:00")])
        _ = Explorer.update(&state, .timelineLoaded(buckets: [1, 2], start: 0, end: 4_000_000))
        XCTAssertEqual(state.scrubStepMs, 100_000)
        XCTAssertEqual(keys(&state, [.character("[")]), [.scrub(topic: "payments", partition: 0, from: 1195, deltaMs: -100_000)])
        XCTAssertEqual(keys(&state, [.character("]")]), [.scrub(topic: "payments", partition: 0, from: 1195, deltaMs: 100_000)])
        let resolved = Explorer.update(&state, .cursorResolved(partitionIndex: 1, offset: 17, note: "at or after 2023-11-14"))
        XCTAssertEqual(state.partitionIndex, 1)
        XCTAssertEqual(state.cursor, 17)
        XCTAssertEqual(resolved.count, 2)
    }

    func testRebuildStepsOnTicksPausesAndSingleSteps() {
        var state = fixtureState()
        var effects = keys(&state, [.character("r")])
        XCTAssertEqual(effects, [.startRebuild(name: "balances", topic: "payments")])
        XCTAssertEqual(state.view.eventsPerTick, 2211 / 150)
        XCTAssertEqual(Explorer.update(&state, .tick), [.rebuildStep(events: 14)])
        _ = keys(&state, [.character("+"), .character("+")])
        XCTAssertEqual(Explorer.update(&state, .tick), [.rebuildStep(events: 56)])
        _ = keys(&state, [.character(" ")])
        XCTAssertEqual(Explorer.update(&state, .tick), [])
        effects = keys(&state, [.character(".")])
        XCTAssertEqual(effects, [.rebuildStep(events: 1)])
        _ = keys(&state, [.character(" ")])
        // The session reports the rebuild reached the end: back to following the cursor.
        effects = Explorer.update(&state, .viewLoaded(columns: ["account"], rows: [], changed: ["BradA"], applied: 2180, duplicates: 3,
                                                       asOf: "", follower: state.view.follower, finishedRebuild: true))
        XCTAssertEqual(state.view.mode, .asOfCursor)
        XCTAssertEqual(effects, [.syncView(name: "balances", topic: "payments", partition: 0, offset: 1195)])
        XCTAssertEqual(state.view.changed["BradA"], state.tick)
    }

    func testMarkTogglesAndKeepsTheRowsOfItsPosition() {
        var state = fixtureState()
        state.focus = .view
        XCTAssertEqual(Explorer.update(&state, .key(.character("m"))), [])
        XCTAssertEqual(state.view.mark?.rows.count, state.view.rows.count)
        XCTAssertEqual(state.view.mark?.asOf, "p0@1195 11-17 03:06:40")
        let marked = state.view.rows
        state.view.rows[1].values[0] = .double(90)
        XCTAssertEqual(state.view.mark?.cells(state.view.rows[1], columns: state.view.columns)?.prefix(2), ["ΔCarolM", "90 (+3)"])
        XCTAssertNil(state.view.mark?.cells(marked[0], columns: state.view.columns))
        _ = Explorer.update(&state, .key(.character("m")))
        XCTAssertNil(state.view.mark)
    }

    func testHighlightsFade() {
        var state = fixtureState()
        state.view.changed = ["BradA": 0]
        for _ in 0..<(Explorer.highlightTicks - 1) { _ = Explorer.update(&state, .tick) }
        XCTAssertNotNil(state.view.changed["BradA"])
        _ = Explorer.update(&state, .tick)
        XCTAssertNil(state.view.changed["BradA"])
    }

    func testSearchNextAndPrevious() {
        var state = fixtureState()
        XCTAssertEqual(keys(&state, [.character("n")]), [])
        XCTAssertTrue(state.status.contains("no search"))
        let effects = keys(&state, [.character("/")] + typed("account=Zoë") + [.enter])
        XCTAssertEqual(effects, [.search(topic: "payments", partition: 0, from: 1196, query: "account=Zoë", forward: true)])
        XCTAssertEqual(keys(&state, [.character("N")]), [.search(topic: "payments", partition: 0, from: 1194, query: "account=Zoë", forward: false)])
    }

    func testFilterAndClear() {
        var state = fixtureState()
        let effects = keys(&state, [.character("f")] + typed("BradA") + [.enter])
        XCTAssertEqual(state.filter, "BradA")
        XCTAssertEqual(effects, [.loadEvents(topic: "payments", partition: 0, around: 1195, count: state.eventsPageSize, filter: "BradA")])
        _ = keys(&state, [.escape])
        XCTAssertNil(state.filter)
    }

    func testLineageFromViewAndJump() {
        var state = fixtureState()
        _ = keys(&state, [.tab])
        XCTAssertEqual(state.focus, .view)
        _ = keys(&state, [.character("j"), .character("j")])
        XCTAssertEqual(keys(&state, [.character("l")]), [.loadLineage(name: "balances", topic: "payments", key: "EveL", partition: 0, offset: 1195)])
        _ = Explorer.update(&state, .lineageLoaded(key: "EveL", rows: fixtureLineage()))
        XCTAssertEqual(state.overlay, .lineage)
        XCTAssertEqual(state.lineageSelected, 3)
        let effects = keys(&state, [.character("k"), .enter])
        XCTAssertEqual(effects, [.gotoOffset(topic: "payments", partition: 0, offset: 207)])
        XCTAssertEqual(state.overlay, .none)
        XCTAssertEqual(state.focus, .events)
    }

    func testOverlaysAndQuit() {
        var state = fixtureState()
        _ = keys(&state, [.character("?")])
        XCTAssertEqual(state.overlay, .help)
        XCTAssertEqual(keys(&state, [.character("j")]), []) // keys go to the overlay, not the panes
        XCTAssertEqual(state.cursor, 1195)
        _ = keys(&state, [.escape])
        XCTAssertEqual(state.overlay, .none)
        XCTAssertEqual(keys(&state, [.enter]), [.loadDetail(topic: "payments", partition: 0, offset: 1195)])
        _ = keys(&state, [.character("T")])
        XCTAssertFalse(state.lessons.isOpen, "outside the demo there are no lessons to open")
        XCTAssertEqual(keys(&state, [.character("q")]), [.quit])
        XCTAssertTrue(state.quitting)
    }

    func testFollowModeTracksNewEvents() {
        var state = fixtureState()
        state.follow = true
        var topics = state.topics
        topics[0].partitions[0].endOffset = 1210
        let effects = Explorer.update(&state, .topicsLoaded(topics, followers: []))
        XCTAssertEqual(state.cursor, 1209)
        XCTAssertTrue(effects.contains(.syncView(name: "balances", topic: "payments", partition: 0, offset: 1209)))
        state.follow = false
        topics[0].partitions[0].endOffset = 1220
        _ = Explorer.update(&state, .topicsLoaded(topics, followers: []))
        XCTAssertEqual(state.cursor, 1209)
    }

    func testSwitchingPartitionsAndViews() {
        var state = fixtureState()
        state.isLive = false
        _ = keys(&state, [.backTab])
        XCTAssertEqual(state.focus, .topics)
        var effects = keys(&state, [.character("j")])
        XCTAssertEqual(state.partitionIndex, 1)
        XCTAssertEqual(state.cursor, 0)
        effects = keys(&state, [.character("j")])
        XCTAssertEqual(state.topicIndex, 1)
        XCTAssertTrue(effects.contains(.loadTimeline(topic: "payments-flagged", buckets: 80)))
        effects = keys(&state, [.character("v")])
        XCTAssertEqual(state.view.name, "ratings")
        XCTAssertEqual(effects, [.syncView(name: "ratings", topic: "payments-flagged", partition: 0, offset: 0)])
    }

    /// A topic of 50 partitions is one entry for j/k until Enter expands it; then j steps through
    /// its partitions one by one.
    func testManyPartitionsCollapseUntilEnterExpandsThem() {
        var state = manyPartitionsState()
        XCTAssertTrue(state.isCollapsed(state.topics[0]))
        _ = keys(&state, [.character("j")])
        XCTAssertEqual(state.topicIndex, 1, "j skips over the collapsed topic's other partitions")
        XCTAssertEqual(state.partitionIndex, 0)
        _ = keys(&state, [.character("k")])
        XCTAssertEqual(state.topicIndex, 0)
        XCTAssertEqual(keys(&state, [.enter]), [])
        XCTAssertEqual(state.focus, .topics, "Enter on a collapsed topic expands it and stays in the pane")
        XCTAssertFalse(state.isCollapsed(state.topics[0]))
        _ = keys(&state, [.character("j"), .character("j")])
        XCTAssertEqual(state.topicIndex, 0)
        XCTAssertEqual(state.partitionIndex, 2)
        _ = keys(&state, [.enter])
        XCTAssertEqual(state.focus, .events, "Enter on an expanded topic goes to its events, as before")
    }

    /// The first frame asks for events and the timeline only; the view fold and the topic's
    /// background work (other partitions, verify) come on the first tick, the latter once per topic.
    func testFirstFrameDefersTheViewAndBackgroundWorkToTheFirstTick() {
        var state = ExplorerState()
        let topics = fixtureState().topics
        let effects = Explorer.update(&state, .topicsLoaded(topics, followers: []))
        XCTAssertEqual(effects, [.loadEvents(topic: "payments", partition: 0, around: 0, count: state.eventsPageSize, filter: nil),
                                 .loadTimeline(topic: "payments", buckets: state.width)])
        XCTAssertEqual(Explorer.update(&state, .tick), [.syncView(name: "balances", topic: "payments", partition: 0, offset: 0),
                                                        .focusBackground(topic: "payments")])
        XCTAssertEqual(Explorer.update(&state, .tick), [])
        state.focus = .topics
        _ = keys(&state, [.character("j"), .character("j")])
        XCTAssertEqual(state.currentTopic?.name, "payments-flagged")
        XCTAssertEqual(Explorer.update(&state, .tick), [.focusBackground(topic: "payments-flagged")])
    }

    /// While a topic's partitions load in the background, positions are polled every 5 ticks (not
    /// 20), and each newly loaded batch of partitions redraws the timeline.
    func testLoadingPartitionsArePolledAndJoinTheTimeline() {
        var state = manyPartitionsState()
        var polled: [Int] = []
        for tick in 1...20 where Explorer.update(&state, .tick).contains(.loadTopics) { polled.append(tick) }
        XCTAssertEqual(polled, [5, 10, 15, 20])
        var topics = state.topics
        for index in 3..<10 { topics[0].partitions[index].isLoaded = true }
        XCTAssertEqual(Explorer.update(&state, .topicsLoaded(topics, followers: [])), [.loadTimeline(topic: "orders", buckets: state.width)])
        XCTAssertEqual(Explorer.update(&state, .topicsLoaded(topics, followers: [])), [])
    }
}
