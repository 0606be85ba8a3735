@testable import Explorer
import Projections
import XCTest

/// Each lesson driven through `update` as the session would answer: the goal is met only when the
/// state shows it (the key alone is not enough), and the explanation carries the numbers on screen.
final class LessonTests: XCTestCase {
    func open(_ id: String, _ state: inout ExplorerState, scenario: String = "bank") -> [Effect] {
        let lessons = LessonCatalog.lessons(for: scenario)
        return Explorer.startLessons(lessons, at: lessons.firstIndex { $0.id == id }!, &state)
    }

    func send(_ state: inout ExplorerState, _ messages: [Message]) -> [Effect] {
        messages.flatMap { Explorer.update(&state, $0) }
    }

    func keys(_ state: inout ExplorerState, _ keys: String) -> [Effect] {
        keys.flatMap { Explorer.update(&state, .key($0 == "\n" ? .enter : .character($0))) }
    }

    func events(around offset: Int64, timestamp: Int64) -> [ExplorerState.EventRow] {
        (offset - 3...offset + 3).map { ExplorerState.EventRow(partition: 0, offset: $0, timestamp: timestamp + ($0 - offset) * 1000, key: "BradA", preview: "{}") }
    }

    func viewLoaded(_ state: ExplorerState, rows: [ViewRow], asOf: String, applied: Int64 = 2150, duplicates: Int64 = 0, lag: Int64 = 30) -> Message {
        .viewLoaded(columns: state.view.columns, rows: rows, changed: [], applied: applied, duplicates: duplicates, asOf: asOf,
                    follower: ExplorerState.Follower(name: "view balances → payments", position: 2180 - lag, end: 2180), finishedRebuild: false)
    }

    func row(_ key: String, _ balance: Double) -> ViewRow { ViewRow(key: key, values: [.double(balance), .int(1), .int(0), .int(0), .text("-")]) }

    func testOffsetsLessonNeedsThreeStepsBackAndTellsTheOffsets() {
        var state = fixtureState()
        _ = open("offsets", &state)
        XCTAssertTrue(state.follow, "the lesson starts on the live tail")
        XCTAssertEqual(state.cursor, 1199)
        _ = keys(&state, "kk")
        XCTAssertEqual(state.lessons.title, "Lesson 1/10 Offsets", "two steps are not three")
        _ = keys(&state, "k")
        XCTAssertEqual(state.lessons.title, "Lesson 1/10 Offsets ✓")
        XCTAssertEqual(state.lessons.explanation?.hasPrefix("You stepped from offset 1199 back to 1196 in payments-0."), true, state.lessons.explanation ?? "")
        XCTAssertEqual(state.lessons.explanation?.contains("3 newer events follow yours, up to the end 1200"), true)
        _ = keys(&state, "n")
        XCTAssertEqual(state.lessons.title, "Lesson 2/10 Partitions and keys")
        XCTAssertEqual(state.focus, .topics)
    }

    func testPressingTheKeyWithoutItsEffectDoesNotCount() {
        var state = fixtureState()
        _ = open("time-travel", &state)
        _ = keys(&state, "t-1d\n")
        XCTAssertFalse(state.lessons.currentIsDone, "the jump has not landed yet: no cursor, no view as of it")
        // The session answers: a day back, then the events and the view as of that event.
        let dayBack: Int64 = 1_700_190_000_000 + 5 * 61_000 - 86_400_000
        _ = send(&state, [.cursorResolved(partitionIndex: nil, offset: 300, note: "")])
        XCTAssertFalse(state.lessons.currentIsDone)
        _ = send(&state, [.eventsLoaded(rows: events(around: 300, timestamp: dayBack), cursor: 300)])
        XCTAssertFalse(state.lessons.currentIsDone, "the view is still as of the old cursor")
        _ = send(&state, [viewLoaded(state, rows: [row("BradA", 600), row("Zoë", 20)], asOf: "p0@300 11-13 12:00:00", lag: 1880)])
        XCTAssertTrue(state.lessons.currentIsDone)
        let text = state.lessons.explanation ?? ""
        XCTAssertTrue(text.contains("from offset 1195 (11-17 03:05:05) back to 300 (11-16 03:05:05)"), text)
        XCTAssertTrue(text.contains("BradA's balance went from 1250 to 600, because the 1880 events after it are not folded"), text)
    }

    /// At night the history ends hours before now: the cursor's event is then less than a day
    /// after `-1d`'s target, and the jump still counts. A jump back less far than that does not.
    func testADayBackCountsFromTheWallClockWhenTheCursorIsOnOlderHistory() {
        let cursorTime: Int64 = 1_700_190_000_000 + 5 * 61_000
        for (hoursBack, counts) in [(24, true), (12, false)] {
            var state = fixtureState()
            state.clockMs = cursorTime + 6 * 3_600_000
            _ = open("time-travel", &state)
            _ = keys(&state, "t-1d\n")
            _ = send(&state, [.cursorResolved(partitionIndex: nil, offset: 300, note: "")])
            _ = send(&state, [.eventsLoaded(rows: events(around: 300, timestamp: state.clockMs - Int64(hoursBack) * 3_600_000), cursor: 300)])
            _ = send(&state, [viewLoaded(state, rows: [row("BradA", 600), row("Zoë", 20)], asOf: "p0@300 11-13 12:00:00", lag: 1880)])
            XCTAssertEqual(state.lessons.currentIsDone, counts, "\(hoursBack) h before the wall clock")
        }
    }

    func testReplayNeedsRunSpeedPauseAndOneEvent() {
        var state = fixtureState()
        _ = open("replay", &state)
        XCTAssertEqual(keys(&state, "r"), [.startRebuild(name: "balances", topic: "payments")])
        _ = send(&state, [viewLoaded(state, rows: [row("BradA", 10)], asOf: "", applied: 0)])
        _ = keys(&state, " ")
        _ = keys(&state, ".")
        XCTAssertFalse(state.lessons.currentIsDone, "the speed never changed")
        _ = keys(&state, " +")
        _ = send(&state, [viewLoaded(state, rows: [row("BradA", 10)], asOf: "", applied: 480)])
        _ = keys(&state, " ")
        XCTAssertFalse(state.lessons.currentIsDone)
        XCTAssertEqual(keys(&state, "."), [.rebuildStep(events: 1)])
        _ = send(&state, [viewLoaded(state, rows: [row("BradA", 10)], asOf: "", applied: 481)])
        XCTAssertTrue(state.lessons.currentIsDone)
        XCTAssertTrue(state.lessons.explanation?.contains("paused at 480 events, your single steps took it to 481") == true, state.lessons.explanation ?? "")
    }

    func testLineageLessonNeedsTheJumpToLand() {
        var state = fixtureState()
        _ = open("lineage", &state)
        XCTAssertEqual(state.focus, .view)
        XCTAssertEqual(keys(&state, "l"), [.loadLineage(name: "balances", topic: "payments", key: "BradA", partition: 0, offset: 1195)])
        _ = send(&state, [.lineageLoaded(key: "BradA", rows: fixtureLineage())])
        _ = keys(&state, "kk")
        XCTAssertEqual(keys(&state, "\n"), [.gotoOffset(topic: "payments", partition: 0, offset: 107)])
        XCTAssertFalse(state.lessons.currentIsDone)
        _ = send(&state, [.cursorResolved(partitionIndex: nil, offset: 107, note: ""), viewLoaded(state, rows: [row("BradA", 180)], asOf: "p0@107 11-14 23:13:20")])
        XCTAssertTrue(state.lessons.currentIsDone)
        XCTAssertEqual(state.lessons.explanation, "4 events changed BradA; you went to p0@107, where it went from 100 to 180. The view is now as of that event: BradA shows 180.")
    }

    func testConsumerLagLessonPausesThenConvergesAfterResume() {
        var state = fixtureState()
        state.followers = [ExplorerState.Follower(name: "pipeline.flagger → payments", position: 2100, end: 2104)]
        XCTAssertTrue(open("consumer-lag", &state).contains(.stage(.pauseConsumer)))
        func poll(position: Int64, end: Int64) -> Message {
            .topicsLoaded(state.topics, followers: [ExplorerState.Follower(name: "pipeline.flagger → payments", position: position, end: end)])
        }
        _ = send(&state, [poll(position: 2100, end: 2104), poll(position: 2100, end: 2120)])
        XCTAssertFalse(state.lessons.currentIsDone, "paused and behind, but not resumed")
        XCTAssertEqual(keys(&state, "c"), [.stage(.resumeConsumer)])
        _ = send(&state, [poll(position: 2110, end: 2121)])
        XCTAssertFalse(state.lessons.currentIsDone, "lag 11 of a 20 peak has not converged")
        _ = send(&state, [poll(position: 2121, end: 2122)])
        XCTAssertTrue(state.lessons.currentIsDone, "\(state.lessons.facts)")
        XCTAssertTrue(state.lessons.explanation?.contains("lag 4 → 20 events") == true, state.lessons.explanation ?? "")
        XCTAssertTrue(state.lessons.explanation?.contains("caught up: lag 1.") == true)
    }

    func testLeavingThePausedLessonResumesTheConsumer() {
        var state = fixtureState()
        _ = open("consumer-lag", &state)
        XCTAssertTrue(keys(&state, "n").contains(.stage(.resumeConsumer)))
    }

    func testCQRSLessonWaitsForTheViewAndTellsTheDelayInMilliseconds() {
        var state = fixtureState()
        _ = open("cqrs", &state)
        XCTAssertEqual(keys(&state, "c"), [.stage(.withdraw)])
        state.clockMs = 1_700_300_000_000
        _ = send(&state, [.staged(["account": "Learner", "amount": "120", "balanceBefore": "500", "balanceAfter": "380",
                                   "commandPartition": "1", "commandOffset": "980", "commandKey": "Learner", "commandExpected": "380",
                                   "acceptedMs": "1700299999990"])])
        state.clockMs += 37
        _ = send(&state, [.tick, .tick])
        var topics = state.topics
        topics[0].partitions[1].endOffset = 981
        _ = send(&state, [.topicsLoaded(topics, followers: state.followers)])
        state.clockMs += 250
        _ = send(&state, [viewLoaded(state, rows: [row("BradA", 1250), row("Learner", 500)], asOf: "p0@1199 11-17 03:10:44")])
        XCTAssertFalse(state.lessons.currentIsDone, "the view still shows the old balance")
        state.clockMs += 96
        _ = send(&state, [viewLoaded(state, rows: [row("BradA", 1250), row("Learner", 380)], asOf: "p0@1199 11-17 03:10:44")])
        XCTAssertTrue(state.lessons.currentIsDone)
        XCTAssertTrue(state.lessons.explanation?.contains("accepted it as event p1@980; it landed after 47 ms and the view showed Learner at 380 after 393 ms") == true,
                      state.lessons.explanation ?? "")
    }

    func testRateItemLessonWaitsForTheRatingsDocument() {
        var state = fixtureState()
        state.view.name = "ratings"
        _ = open("rate-item", &state, scenario: "ratings")
        XCTAssertEqual(state.lessons.title, "Lesson 6/8 CQRS: a RateItem command")
        XCTAssertEqual(keys(&state, "c"), [.stage(.rateItem)])
        state.clockMs = 5_000
        _ = send(&state, [.staged(["commandKey": "learner-mug", "commandExpected": "3", "average": "4.33", "commandPartition": "0",
                                   "commandOffset": "1200", "acceptedMs": "4990"])])
        func document(_ count: Int64) -> ViewRow { ViewRow(key: "learner-mug", values: [.int(count), .double(4.33), .text("0 0 0 2 1"), .text("learner ★★★★")]) }
        state.clockMs = 5_110
        _ = send(&state, [viewLoaded(state, rows: [document(2)], asOf: "p0@1199 11-17 03:10:44")])
        XCTAssertFalse(state.lessons.currentIsDone, "the command's event is not in the log the explorer sees yet")
        var topics = state.topics
        topics[0].partitions[0].endOffset = 1201
        _ = send(&state, [.topicsLoaded(topics, followers: state.followers)])
        state.clockMs = 5_321
        _ = send(&state, [viewLoaded(state, rows: [document(2)], asOf: "p0@1200 11-17 03:10:45")])
        XCTAssertFalse(state.lessons.currentIsDone, "the document has not folded the new rating")
        _ = send(&state, [viewLoaded(state, rows: [document(3)], asOf: "p0@1200 11-17 03:10:45")])
        XCTAssertTrue(state.lessons.currentIsDone)
        XCTAssertTrue(state.lessons.explanation?.contains("accepted it as event p0@1200; it landed after 120 ms and the view showed learner-mug with 3 ratings, average 4.33, after 331 ms") == true,
                      state.lessons.explanation ?? "")
    }

    func testRestartLessonWaitsForThePileThenForTheCommitOnScreen() {
        var state = fixtureState()
        func poll(position: Int64, end: Int64) -> Message {
            .topicsLoaded(state.topics, followers: [ExplorerState.Follower(name: "pipeline.flagger → payments", position: position, end: end)])
        }
        state.followers = [ExplorerState.Follower(name: "pipeline.flagger → payments", position: 2100, end: 2104)]
        XCTAssertTrue(open("restart", &state, scenario: "pipeline").contains(.stage(.pauseConsumer)))
        XCTAssertEqual(state.lessons.title, "Lesson 7/10 Restart resumes from the commit")
        _ = send(&state, [poll(position: 2100, end: 2104), poll(position: 2100, end: 2108)])
        XCTAssertEqual(keys(&state, "c"), [], "4 piled up events are not yet the 8 the lesson waits for")
        XCTAssertTrue(state.status.contains("let events pile up first"), state.status)
        _ = send(&state, [poll(position: 2100, end: 2115)])
        XCTAssertEqual(keys(&state, "c"), [.stage(.restartConsumer)])
        _ = send(&state, [.staged(["resumedFrom": "2100", "committedAfter": "2116", "processed": "16", "unaccounted": "0", "published": "2",
                                   "alreadyPublished": "0", "flagsTotal": "33", "flagsDistinct": "33"])])
        XCTAssertFalse(state.lessons.currentIsDone, "the topics pane still shows the old commit")
        _ = send(&state, [poll(position: 2110, end: 2117)])
        XCTAssertFalse(state.lessons.currentIsDone)
        _ = send(&state, [poll(position: 2116, end: 2117)])
        XCTAssertTrue(state.lessons.currentIsDone)
        let text = state.lessons.explanation ?? ""
        XCTAssertTrue(text.contains("lag 4 → 15"), text)
        XCTAssertTrue(text.contains("resumed at its committed position 2100 and read 16 events up to 2116 (0 skipped or read twice), flagging 2"), text)
        XCTAssertTrue(text.contains("payments-flagged holds 33 flags with 33 distinct event-ids"), text)
    }

    func testPartitionsLessonLeavesAOnePartitionTopic() {
        var state = fixtureState()
        state.topicIndex = 1
        XCTAssertEqual(state.currentTopic?.name, "payments-flagged")
        _ = open("partitions", &state, scenario: "pipeline")
        XCTAssertEqual(state.currentTopic?.name, "payments", "a topic of one partition has no other partition to pick")
        _ = keys(&state, "j")
        XCTAssertEqual(state.currentPartition?.partition, 1)
        _ = send(&state, [.eventsLoaded(rows: [ExplorerState.EventRow(partition: 1, offset: 979, timestamp: 1_700_199_000_000, key: "Zoë", preview: "{}")], cursor: 979)])
        XCTAssertTrue(state.lessons.currentIsDone)
        XCTAssertTrue(state.lessons.explanation?.hasPrefix("You moved from payments-0 (1200 events) to payments-1 (980 events).") == true, state.lessons.explanation ?? "")
    }

    func testCompactionLessonNeedsTheTableAndTheBalancesOverTheCopy() {
        var state = fixtureState()
        XCTAssertEqual(open("compaction", &state), [.stage(.compactCopy)])
        XCTAssertEqual(state.lessons.title, "Lesson 10/10 Compaction")
        _ = send(&state, [.staged(["kept": "121", "read": "2180", "dropped": "2059", "newestPartition": "1", "compactKey": "BradA",
                                   "originalBalance": "52,844", "compactTopic": "payments-compacted"])])
        var topics = state.topics
        topics.insert(ExplorerState.TopicEntry(name: "payments-compacted", retention: "forever", partitions: [
            ExplorerState.PartitionEntry(partition: 0, startOffset: 0, endOffset: 1200, bytes: 9_000, firstTimestamp: nil, lastTimestamp: nil),
            ExplorerState.PartitionEntry(partition: 1, startOffset: 0, endOffset: 980, bytes: 8_000, firstTimestamp: nil, lastTimestamp: nil),
        ]), at: 1)
        _ = send(&state, [.topicsLoaded(topics, followers: state.followers)])
        func folded(_ view: String, _ rows: [ViewRow], over topic: String = "payments-compacted") -> Message {
            .viewLoaded(columns: [], rows: rows, changed: [], applied: 121, duplicates: 0, asOf: "p1@979 11-17 03:10:44",
                        follower: ExplorerState.Follower(name: "view \(view) → \(topic)", position: 2180, end: 2180), finishedRebuild: false)
        }
        let accounts = (0..<121).map { row($0 == 0 ? "BradA" : "A\($0)", 10) }
        _ = keys(&state, "jj")
        XCTAssertEqual(state.currentTopic?.name, "payments-compacted")
        _ = send(&state, [folded("balances", [row("BradA", 412)])])
        _ = keys(&state, "vvv")
        _ = send(&state, [folded("table", accounts)])
        XCTAssertFalse(state.lessons.currentIsDone, "partition 0 is not the copy's newest: a fold as of it misses later events")
        _ = keys(&state, "j")
        _ = send(&state, [folded("search", accounts)])
        XCTAssertFalse(state.lessons.currentIsDone, "the rows of the view shown before the switch do not count")
        _ = send(&state, [folded("table", accounts)])
        XCTAssertFalse(state.lessons.currentIsDone, "the balances over the copy were not seen yet")
        _ = keys(&state, "v")
        _ = send(&state, [folded("balances", [row("BradA", 412)], over: "payments")])
        XCTAssertFalse(state.lessons.currentIsDone, "balances over payments, not over the copy")
        _ = send(&state, [folded("balances", [row("BradA", 412), row("A1", 3)])])
        XCTAssertTrue(state.lessons.currentIsDone)
        XCTAssertEqual(state.lessons.explanation, "The compacted copy kept 121 of 2180 events. The table over it shows 121 rows, one per key with its latest values, as over payments: a table survives compaction. Balances over it says BradA has 412 instead of 52,844: a fold of every event needs every event, and compaction dropped 2059.")
    }

    func testDuplicatesLessonCountsTheSkippedCopy() {
        var state = fixtureState()
        _ = send(&state, [viewLoaded(state, rows: state.view.rows, asOf: "p0@1195 11-17 03:06:40", duplicates: 7)])
        _ = open("duplicates", &state)
        XCTAssertEqual(keys(&state, "c"), [.stage(.duplicate)])
        _ = send(&state, [.staged(["eventID": "ev-1199", "duplicatePartition": "0", "originalOffset": "1199", "duplicateOffset": "1200"])])
        _ = send(&state, [viewLoaded(state, rows: state.view.rows, asOf: "p0@1199 11-17 03:10:44", duplicates: 8)])
        XCTAssertFalse(state.lessons.currentIsDone, "the copy is not in the log the explorer sees yet")
        var topics = state.topics
        topics[0].partitions[0].endOffset = 1201
        _ = send(&state, [.topicsLoaded(topics, followers: state.followers)])
        XCTAssertTrue(state.lessons.currentIsDone)
        XCTAssertTrue(state.lessons.explanation?.contains("at p0@1199 and again at p0@1200") == true)
        XCTAssertTrue(state.lessons.explanation?.contains("duplicates 7 → 8") == true, state.lessons.explanation ?? "")
    }

    func testRetentionLessonSeesTheLogStartMove() {
        var state = fixtureState()
        XCTAssertEqual(open("retention", &state), [.stage(.retention)])
        // The log lists topics by name: clicks comes before payments, above where the learner is.
        var topics = [ExplorerState.TopicEntry(name: "clicks", retention: "3s", partitions: [
            ExplorerState.PartitionEntry(partition: 0, startOffset: 0, endOffset: 90, bytes: 9000, firstTimestamp: nil, lastTimestamp: nil)])] + state.topics
        _ = send(&state, [.topicsLoaded(topics, followers: state.followers)])
        XCTAssertEqual(state.currentTopic?.name, "payments", "a new topic does not move the selection")
        XCTAssertTrue(LessonCheck.fill(state.lessons.current!.task, state.lessons.facts).contains("Select it with g/Home (or k/↑)"),
                      "the task names the keys that reach a topic sorted first")
        _ = keys(&state, "g")
        XCTAssertEqual(state.currentTopic?.name, "clicks")
        XCTAssertFalse(state.lessons.currentIsDone)
        topics[0].partitions[0].startOffset = 41
        topics[0].partitions[0].endOffset = 130
        _ = send(&state, [.topicsLoaded(topics, followers: state.followers)])
        XCTAssertTrue(state.lessons.currentIsDone)
        XCTAssertEqual(state.lessons.explanation, "clicks keeps 3s: its oldest segment was deleted while you watched and the log start moved from 0 to 41. Offsets below 41 are gone; none is reused: the end is 130.")
    }

    func testLessonTextNamesKeysFromTheKeymap() {
        XCTAssertEqual(LessonCheck.fill("press {keys:jumpToTime}, {keys:rebuild}, {keys:next} for {x}", ["x": "y"]), "press t, r, n for y")
        for lesson in LessonCatalog.all {
            XCTAssertFalse(LessonCheck.fill(lesson.task, [:]).contains("{"), "\(lesson.id)'s task names a key action the keymap lacks")
        }
        XCTAssertEqual(Set(LessonCatalog.all.map(\.id)).count, LessonCatalog.all.count, "lesson ids are unique")
    }

    func testScenariosGetTheirLessons() {
        XCTAssertTrue(LessonCatalog.lessons(for: "bank").contains { $0.id == "cqrs" })
        XCTAssertFalse(LessonCatalog.lessons(for: "ratings").contains { $0.id == "cqrs" || $0.id == "consumer-lag" })
        XCTAssertTrue(LessonCatalog.lessons(for: "pipeline").contains { $0.id == "consumer-lag" })
        XCTAssertEqual(LessonCatalog.lessons(for: "ratings").map(\.id).filter { !["offsets", "partitions", "time-travel", "replay", "lineage", "duplicates", "retention"].contains($0) },
                       ["rate-item"], "ratings has its own command lesson, and no bank one")
        XCTAssertEqual(LessonCatalog.lessons(for: "pipeline").filter { $0.scenarios == ["pipeline"] }.map(\.id), ["restart"])
        XCTAssertFalse(LessonCatalog.lessons(for: "bank").contains { $0.id == "restart" || $0.id == "rate-item" })
        XCTAssertEqual(LessonCatalog.lessons(for: "bank").last?.id, "compaction")
    }
}
