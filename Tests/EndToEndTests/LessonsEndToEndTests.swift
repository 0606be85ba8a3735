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
        session.waitFor("lesson 1 with events") { $0.contains("Lesson 1/9 Offsets") && $0.contains("LIVE (following)") && $0.contains("View balances as of") }
        try session.send("k", "k", "k")
        var screen = done("Lesson 1/9 Offsets", session)
        var text = lessonText(screen)
        let from = try XCTUnwrap(number(after: "from offset ", in: text), text)
        let to = try XCTUnwrap(number(after: " back to ", in: text), text)
        XCTAssertEqual(from - to, 3, text)
        XCTAssertEqual(offsetInHeader(screen), to, "the lesson names the offset the header shows")

        try session.send("n")
        session.waitFor("lesson 2") { $0.contains("Lesson 2/9 Partitions and keys") }
        try session.send("j")
        screen = done("Lesson 2/9 Partitions and keys", session)
        text = lessonText(screen)
        let partition = try XCTUnwrap(number(after: "to payments-", in: text), text)
        XCTAssertTrue(header(screen).contains("payments-\(partition)"), header(screen))
        XCTAssertNotEqual(number(after: "from payments-", in: text), partition)

        try session.send("n")
        session.waitFor("lesson 3") { $0.contains("Lesson 3/9 Time travel") }
        try session.send("t")
        session.waitFor("the time prompt") { $0.contains("jump to time") }
        try session.send("-1d", literal: true)
        try session.send("Enter")
        screen = done("Lesson 3/9 Time travel", session)
        text = lessonText(screen)
        XCTAssertEqual(number(after: ") back to ", in: text), offsetInHeader(screen), text)
        XCTAssertTrue(text.contains("events after it are not folded"), text)

        try session.send("n")
        session.waitFor("lesson 4") { $0.contains("Lesson 4/9 Replay") }
        try session.send("r", "+", "Space")
        session.waitFor("the rebuild paused") { $0.contains("rebuild paused") }
        try session.send(".")
        screen = done("Lesson 4/9 Replay", session)
        text = lessonText(screen)
        let pausedAt = try XCTUnwrap(number(after: "paused at ", in: text), text)
        XCTAssertEqual(number(after: "took it to ", in: text), pausedAt + 1, text)
        XCTAssertTrue(screen.contains("rebuild paused (\(pausedAt + 1) events)"), "the view's title shows the same count")

        try session.send("n")
        session.waitFor("lesson 5") { $0.contains("Lesson 5/9 As-of and lineage") }
        try session.send("l")
        session.waitFor("the lineage overlay") { $0.contains("Lineage of") }
        try session.send("Enter")
        screen = done("Lesson 5/9 As-of and lineage", session)
        text = lessonText(screen)
        let offset = try XCTUnwrap(number(after: "you went to p", in: text).flatMap { _ in text.range(of: "you went to p") }.map { range in
            Int(text[range.upperBound...].drop { $0 != "@" }.dropFirst().prefix { $0.isNumber }) ?? -1 }, text)
        XCTAssertEqual(offsetInHeader(screen), offset, text)
        try session.send("Escape", "q")
        session.waitFor("the shell after quitting") { $0.contains("RW-EXITED") }
    }

    func testConsumerLagCQRSAndDuplicates() throws {
        let session = try demo("--lesson consumer-lag")
        session.waitFor("the lag lesson") { $0.contains("Lesson 6/9 Consumer lag") && $0.contains("pipeline.flagger") }
        // Paused, the group's lag grows with the producer (10 events/s); then c resumes it.
        session.waitFor("the lag to grow", timeout: 10) { (self.groupLag("pipeline.flagger", on: $0) ?? 0) >= 12 }
        try session.send("c")
        var screen = done("Lesson 6/9 Consumer lag", session)
        var text = lessonText(screen)
        let peak = try XCTUnwrap(number(after: " → ", in: text), text)
        let now = try XCTUnwrap(number(after: "caught up: lag ", in: text), text)
        XCTAssertLessThan(now * 2, peak, text)

        try session.send("n")
        session.waitFor("lesson 7") { $0.contains("Lesson 7/9 CQRS and eventual consistency") }
        try session.send("c")
        screen = done("Lesson 7/9 CQRS and eventual consistency", session)
        text = lessonText(screen)
        XCTAssertTrue(text.contains("the view showed Learner at 380 after "), text)
        XCTAssertGreaterThan(number(after: "Learner at 380 after ", in: text) ?? -1, 0, text)

        try session.send("n")
        session.waitFor("lesson 8") { $0.contains("Lesson 8/9 Duplicates and idempotency") }
        try session.send("c")
        screen = done("Lesson 8/9 Duplicates and idempotency", session)
        text = lessonText(screen)
        let before = try XCTUnwrap(number(after: "duplicates ", in: text), text)
        XCTAssertEqual(number(after: "duplicates \(before) → ", in: text).map { $0 > before }, true, text)

        // Lesson 9 (retention) is covered by LessonTests only: in tmux, selecting the new topic
        // did not reach its partition in time (open issue, see the branch's report).
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
