import Foundation
import TestSupport
import XCTest

/// Every lesson of `rewind demo`, performed by a learner in tmux (100×30): the real binary, its
/// live producer, pipeline and broker. Several lessons share one demo, so the suite pays for one
/// start per test; each lesson waits for its ✓ and checks the numbers the box tells against the
/// header and the panes.
final class LessonsEndToEndTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rewind-lessons-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("rewind").path
    }

    func demo(_ arguments: String) throws -> TmuxSession {
        try TmuxSession(command: "\(binary) demo --dir \(directory)/demo --events 2000 --rate 10 \(arguments); echo RW-EXITED; sleep 120")
    }

    /// The lesson box's text as one line (it wraps in the box): the rows between its borders.
    func lessonText(_ screen: String) -> String {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let top = lines.firstIndex(where: { $0.hasPrefix("┌─ Lesson ") }) else { return "" }
        return lines[(top + 1)...].prefix { !$0.hasPrefix("└") }
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "│ ")) }.joined(separator: " ")
    }

    func header(_ screen: String) -> String { String(screen.split(separator: "\n").first ?? "") }

    /// The topics pane's text: the left column above the lesson box.
    func topicsPane(_ screen: String) -> String {
        screen.components(separatedBy: "\n").prefix { !$0.hasPrefix("┌─ Lesson ") }
            .compactMap { $0.split(separator: "│", omittingEmptySubsequences: false).dropFirst().first.map(String.init) }.joined(separator: "\n")
    }

    /// The topic-partition the header names (" rewind  payments-0  offset …").
    func selected(_ screen: String) -> String {
        header(screen).split(separator: " ").dropFirst().first.map(String.init) ?? ""
    }

    func offsetInHeader(_ screen: String) -> Int? {
        let line = header(screen)
        guard let range = line.range(of: "offset ") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// The integers after `prefix` in `text`, e.g. numbers(after: "from offset ", …).
    /// The lag the topics pane shows for `group`: on the line under the group's name, in the left
    /// pane only (the view pane beside it has a lag figure of its own).
    func groupLag(_ group: String, on screen: String) -> Int? {
        let lines = screen.components(separatedBy: "\n")
        guard let row = lines.firstIndex(where: { $0.contains(group) }), row + 1 < lines.count else { return nil }
        let leftPane = lines[row + 1].split(separator: "│", omittingEmptySubsequences: false).dropFirst().first.map(String.init) ?? ""
        return number(after: "lag ", in: leftPane)
    }

    func number(after prefix: String, in text: String) -> Int? {
        guard let range = text.range(of: prefix) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    func done(_ title: String, _ session: TmuxSession, timeout: Double = 15, file: StaticString = #filePath, line: UInt = #line) -> String {
        session.waitFor("\(title) ✓", timeout: timeout, file: file, line: line) { $0.contains("\(title) ✓") && self.lessonText($0).contains("✓ ") }
    }

    func testOffsetsPartitionsTimeTravelReplayAndLineage() throws {
        let session = try demo("")
        session.waitFor("lesson 1 with events") { $0.contains("Lesson 1/10 Offsets") && $0.contains("LIVE (following)") && $0.contains("View balances as of") }
        try session.send("k", "k", "k")
        var screen = done("Lesson 1/10 Offsets", session)
        var text = lessonText(screen)
        let from = try XCTUnwrap(number(after: "from offset ", in: text), text)
        let to = try XCTUnwrap(number(after: " back to ", in: text), text)
        XCTAssertEqual(from - to, 3, text)
        XCTAssertEqual(offsetInHeader(screen), to, "the lesson names the offset the header shows")

        try session.send("n")
        session.waitFor("lesson 2") { $0.contains("Lesson 2/10 Partitions and keys") }
        try session.send("j")
        screen = done("Lesson 2/10 Partitions and keys", session)
        text = lessonText(screen)
        let partition = try XCTUnwrap(number(after: "to payments-", in: text), text)
        XCTAssertTrue(header(screen).contains("payments-\(partition)"), header(screen))
        XCTAssertNotEqual(number(after: "from payments-", in: text), partition)

        try session.send("n")
        session.waitFor("lesson 3") { $0.contains("Lesson 3/10 Time travel") }
        try session.send("t")
        session.waitFor("the time prompt") { $0.contains("jump to time") }
        try session.send("-1d", literal: true)
        try session.send("Enter")
        screen = done("Lesson 3/10 Time travel", session)
        text = lessonText(screen)
        XCTAssertEqual(number(after: ") back to ", in: text), offsetInHeader(screen), text)
        XCTAssertTrue(text.contains("events after it are not folded"), text)

        try session.send("n")
        session.waitFor("lesson 4") { $0.contains("Lesson 4/10 Replay") }
        try session.send("r", "+", "Space")
        session.waitFor("the rebuild paused") { $0.contains("rebuild paused") }
        try session.send(".")
        screen = done("Lesson 4/10 Replay", session)
        text = lessonText(screen)
        let pausedAt = try XCTUnwrap(number(after: "paused at ", in: text), text)
        XCTAssertEqual(number(after: "took it to ", in: text), pausedAt + 1, text)
        XCTAssertTrue(screen.contains("rebuild paused (\(pausedAt + 1) events)"), "the view's title shows the same count")

        try session.send("n")
        session.waitFor("lesson 5") { $0.contains("Lesson 5/10 As-of and lineage") }
        try session.send("l")
        session.waitFor("the lineage overlay") { $0.contains("Lineage of") }
        try session.send("Enter")
        screen = done("Lesson 5/10 As-of and lineage", session)
        text = lessonText(screen)
        let offset = try XCTUnwrap(number(after: "you went to p", in: text).flatMap { _ in text.range(of: "you went to p") }.map { range in
            Int(text[range.upperBound...].drop { $0 != "@" }.dropFirst().prefix { $0.isNumber }) ?? -1 }, text)
        XCTAssertEqual(offsetInHeader(screen), offset, text)
        try session.send("Escape", "q")
        session.waitFor("the shell after quitting") { $0.contains("RW-EXITED") }
    }

    func testConsumerLagCQRSDuplicatesRetentionAndCompaction() throws {
        let session = try demo("--lesson consumer-lag")
        session.waitFor("the lag lesson") { $0.contains("Lesson 6/10 Consumer lag") && $0.contains("pipeline.flagger") }
        // Paused, the group's lag grows with the producer (10 events/s); then c resumes it.
        session.waitFor("the lag to grow", timeout: 10) { (self.groupLag("pipeline.flagger", on: $0) ?? 0) >= 12 }
        try session.send("c")
        var screen = done("Lesson 6/10 Consumer lag", session)
        var text = lessonText(screen)
        let peak = try XCTUnwrap(number(after: " → ", in: text), text)
        let now = try XCTUnwrap(number(after: "caught up: lag ", in: text), text)
        XCTAssertLessThan(now * 2, peak, text)

        try session.send("n")
        session.waitFor("lesson 7") { $0.contains("Lesson 7/10 CQRS and eventual consistency") }
        try session.send("c")
        screen = done("Lesson 7/10 CQRS and eventual consistency", session)
        text = lessonText(screen)
        XCTAssertTrue(text.contains("the view showed Learner at 380 after "), text)
        // Wall-clock milliseconds from the write side's acceptance: the event lands first, the view
        // folds it on a later poll (twice a second), so well under a few seconds, and not a multiple of 100.
        let landedMs = try XCTUnwrap(number(after: "it landed after ", in: text), text)
        let delayMs = try XCTUnwrap(number(after: "Learner at 380 after ", in: text), text)
        XCTAssertGreaterThanOrEqual(delayMs, landedMs, text)
        XCTAssertTrue((1...5000).contains(delayMs), text)

        try session.send("n")
        session.waitFor("lesson 8") { $0.contains("Lesson 8/10 Duplicates and idempotency") }
        try session.send("c")
        screen = done("Lesson 8/10 Duplicates and idempotency", session)
        text = lessonText(screen)
        let before = try XCTUnwrap(number(after: "duplicates ", in: text), text)
        XCTAssertEqual(number(after: "duplicates \(before) → ", in: text).map { $0 > before }, true, text)

        // clicks sorts before payments: the learner goes up to it (j never reaches it).
        try session.send("n")
        session.waitFor("lesson 9") { $0.contains("Lesson 9/10 Retention") && $0.contains("Select it with g/Home") }
        session.waitFor("the clicks topic in the topics pane") { self.topicsPane($0).contains("clicks") }
        try session.send("g")
        screen = done("Lesson 9/10 Retention", session)
        text = lessonText(screen)
        XCTAssertTrue(header(screen).contains("clicks-0"), header(screen))
        let startSeen = try XCTUnwrap(number(after: "the log start moved from ", in: text), text)
        let start = try XCTUnwrap(number(after: "moved from \(startSeen) to ", in: text), text)
        XCTAssertGreaterThan(start, startSeen, text)
        XCTAssertGreaterThan(try XCTUnwrap(number(after: "the end is ", in: text), text), start, text)
        XCTAssertTrue(text.hasPrefix("✓ clicks keeps 3s"), text)

        try compactionLesson(session, title: "Lesson 10/10 Compaction")
        try session.send("Escape", "q")
        session.waitFor("the shell after quitting") { $0.contains("RW-EXITED") }
    }

    /// The compaction lesson, from wherever the topics pane is: down to the copy's newest
    /// partition, then the views cycled to table and on to balances.
    func compactionLesson(_ session: TmuxSession, title: String) throws {
        try session.send("n")
        var screen = session.waitFor("the compaction lesson") { $0.contains(title) && self.lessonText($0).contains("Select payments-compacted-") }
        let partition = try XCTUnwrap(number(after: "Select payments-compacted-", in: lessonText(screen)), lessonText(screen))
        // The copy is a new topic: the topics pane lists it on its next poll.
        screen = session.waitFor("the copy in the topics pane") { self.topicsPane($0).contains("payments-compacted") }
        // One j at a time, each waiting for the header to name the next partition.
        for _ in 0..<12 where selected(screen) != "payments-compacted-\(partition)" {
            let before = selected(screen)
            try session.send("j")
            screen = session.waitFor("the selection to move on from \(before)", timeout: 5) { self.selected($0) != before }
        }
        XCTAssertEqual(selected(screen), "payments-compacted-\(partition)")
        // balances → ratings → search → table. The balances over the copy may have folded on arrival
        // (then the table completes the lesson); if not, on to balances once the table has folded.
        try session.send("v", "v", "v")
        screen = session.waitFor("the table view folded over the copy") {
            $0.contains("\(title) ✓") || ($0.contains("View table as of p\(partition)@") && !$0.contains("catching up"))
        }
        if !screen.contains("\(title) ✓") { try session.send("v") }
        screen = done(title, session)
        let text = lessonText(screen)
        let kept = try XCTUnwrap(number(after: "copy kept ", in: text), text)
        let read = try XCTUnwrap(number(after: "copy kept \(kept) of ", in: text), text)
        XCTAssertLessThan(kept, read, text)
        XCTAssertEqual(number(after: "The table over it shows ", in: text), kept, "one row per kept event (each key's latest): \(text)")
        XCTAssertEqual(number(after: "compaction dropped ", in: text), read - kept, text)
        let range = try XCTUnwrap(text.range(of: "Balances over it says "), text)
        let claim = text[range.upperBound...].prefix { $0 != ":" }
        let parts = claim.components(separatedBy: " instead of ")
        XCTAssertEqual(parts.count, 2, text)
        XCTAssertNotEqual(parts.first?.components(separatedBy: " has ").last, parts.last, "the fold over the copy is wrong: \(text)")
        XCTAssertTrue(header(screen).contains("payments-compacted-\(partition)"), header(screen))
    }

    func testPipelineOpensOnTheFlaggerAndARestartResumesFromTheCommit() throws {
        let session = try demo("pipeline")
        // The flagger's own first screen: its output topic, the table of latest flags, its group.
        var screen = session.waitFor("the pipeline's first screen") {
            $0.contains("Lesson 1/10 Offsets") && self.header($0).contains("payments-flagged-0") && $0.contains("View table") && $0.contains("pipeline.flagger")
        }
        XCTAssertTrue(screen.contains("pipeline.flagger reads payments"), "the status line says what the demo is about:\n\(screen)")
        try session.send("n", "n", "n", "n", "n", "n")
        session.waitFor("the restart lesson") { $0.contains("Lesson 7/10 Restart resumes from the commit") }
        let stopped = try XCTUnwrap(groupLag("pipeline.flagger", on: session.waitFor("the group's lag") { self.groupLag("pipeline.flagger", on: $0) != nil }))
        // Stopped, the flagger falls behind the producer (10 events/s).
        session.waitFor("the lag to grow", timeout: 10) { (self.groupLag("pipeline.flagger", on: $0) ?? 0) >= stopped + 10 }
        try session.send("c")
        screen = done("Lesson 7/10 Restart resumes from the commit", session)
        let text = lessonText(screen)
        let from = try XCTUnwrap(number(after: "resumed at its committed position ", in: text), text)
        let processed = try XCTUnwrap(number(after: "and read ", in: text), text)
        let to = try XCTUnwrap(number(after: " events up to ", in: text), text)
        XCTAssertGreaterThanOrEqual(processed, 10, text)
        XCTAssertEqual(to - from, processed, "every offset between the commits read once: \(text)")
        XCTAssertTrue(text.contains("(0 skipped or read twice)"), text)
        let flags = try XCTUnwrap(number(after: "payments-flagged holds ", in: text), text)
        XCTAssertEqual(number(after: "flags with ", in: text), flags, "no flag published twice: \(text)")
        XCTAssertLessThan(groupLag("pipeline.flagger", on: screen) ?? .max, processed, "the restarted flagger caught up")
        try session.send("Escape", "q")
        session.waitFor("the shell after quitting") { $0.contains("RW-EXITED") }
    }

    func testRatingsRateItemCommandReachesTheDocument() throws {
        let session = try demo("ratings --lesson rate-item")
        session.waitFor("the RateItem lesson") { $0.contains("Lesson 6/8 CQRS: a RateItem command") && $0.contains("View ratings as of") }
        try session.send("c")
        let screen = done("Lesson 6/8 CQRS: a RateItem command", session)
        let text = lessonText(screen)
        XCTAssertTrue(text.contains("the view showed learner-mug with "), text)
        let count = try XCTUnwrap(number(after: "learner-mug with ", in: text), text)
        XCTAssertGreaterThanOrEqual(count, 1, text)
        let landedMs = try XCTUnwrap(number(after: "it landed after ", in: text), text)
        let delayMs = try XCTUnwrap(number(after: ", after ", in: text), text)
        XCTAssertGreaterThanOrEqual(delayMs, landedMs, text)
        XCTAssertTrue((1...5000).contains(delayMs), text)
        try session.send("Escape", "q")
        session.waitFor("the shell after quitting") { $0.contains("RW-EXITED") }
    }

    func testLessonsListAndUnknownLesson() throws {
        let list = Process()
        list.executableURL = URL(fileURLWithPath: binary)
        list.arguments = ["demo", "ratings", "--lessons"]
        let output = Pipe()
        list.standardOutput = output
        try list.run()
        list.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(list.terminationStatus, 0)
        XCTAssertTrue(text.hasPrefix("1. offsets  Offsets\n"), text)
        XCTAssertFalse(text.contains("cqrs"), "the ratings demo has no bank commands")

        let bad = Process()
        bad.executableURL = URL(fileURLWithPath: binary)
        bad.arguments = ["demo", "--lesson", "nope", "--dir", directory + "/untouched"]
        let errors = Pipe()
        bad.standardError = errors
        bad.standardOutput = Pipe()
        try bad.run()
        bad.waitUntilExit()
        XCTAssertNotEqual(bad.terminationStatus, 0)
        XCTAssertTrue(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("no lesson 'nope' in the bank demo"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/untouched"), "a bad argument creates nothing")
    }
}
