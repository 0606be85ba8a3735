import Foundation
import TestSupport
import XCTest

/// The real `rewind` binary in a real terminal (tmux at 100×30).
final class ExplorerEndToEndTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rewind-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("rewind").path
    }

    func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = Pipe()
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "rewind \(arguments.joined(separator: " "))")
    }

    /// The shell line after the explorer exits records the terminal modes: a restored terminal is
    /// canonical and echoing again (curses had turned both off).
    func restoredTerminal(_ stty: String) -> Bool {
        guard let text = try? String(contentsOfFile: stty, encoding: .utf8) else { return false }
        return text.contains(" icanon") && text.contains(" echo ") && !text.contains("-icanon")
    }

    /// The pid of the process running exactly `commandLine`, from /proc.
    func processID(commandLine: [String]) -> pid_t? {
        let wanted = commandLine.joined(separator: "\u{0}") + "\u{0}"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            if String(decoding: data, as: UTF8.self) == wanted { return pid }
        }
        return nil
    }

    func offsetInHeader(_ screen: String) -> Int? {
        guard let header = screen.split(separator: "\n").first, let range = header.range(of: "offset ") else { return nil }
        return Int(header[range.upperBound...].prefix { $0.isNumber })
    }

    func testStepTimeJumpRebuildLineageAndQuit() throws {
        let log = directory + "/log"
        try run(["generate", "bank", "--dir", log, "--events", "3000", "--accounts", "40"])
        let stty = directory + "/stty.txt"
        let session = try TmuxSession(command: "\(binary) open \(log); stty -a > \(stty); echo RW-EXITED; sleep 120")
        session.waitFor("the explorer") { $0.contains("Events payments-0") && $0.contains("View balances as of") }
        XCTAssertEqual(offsetInHeader(session.screen()), 0)

        try session.send("j", "j", "j")
        session.waitFor("cursor at offset 3") { self.offsetInHeader($0) == 3 }

        try session.send("t")
        session.waitFor("the time prompt") { $0.contains("jump to time") }
        try session.send("-1d", literal: true)
        try session.send("Enter")
        let jumped = session.waitFor("the jump") { $0.contains("at or after") }
        XCTAssertGreaterThan(offsetInHeader(jumped) ?? 0, 100)

        try session.send("r")
        session.waitFor("a live rebuild") { $0.contains("rebuilding…") }
        try session.send("Space")
        session.waitFor("the rebuild paused") { $0.contains("rebuild paused") }
        try session.send("+", "+", "+", "+", "+", "+", "+", "+", "Space")
        session.waitFor("the rebuild to finish", timeout: 30) { $0.contains("rebuild done") }

        try session.send("Tab")
        try session.send("l")
        session.waitFor("the lineage overlay") { $0.contains("Lineage of") && $0.contains("events changed this row") }
        let before = offsetInHeader(session.screen())
        try session.send("g", "Enter")
        let after = session.waitFor("the jump to the first lineage event") { !$0.contains("Lineage of") }
        XCTAssertNotEqual(offsetInHeader(after), before)

        try session.send("?")
        session.waitFor("the help overlay") { $0.contains("Keys — j/k scroll") && $0.contains("jump to a time") }
        try session.send("Escape", "q")
        session.waitFor("the shell after quitting") { $0.contains("RW-EXITED") && !$0.contains("Events payments") }
        XCTAssertTrue(restoredTerminal(stty))
    }

    func testSigtermRestoresTheTerminal() throws {
        let log = directory + "/log"
        try run(["generate", "bank", "--dir", log, "--events", "200"])
        let stty = directory + "/stty.txt"
        let session = try TmuxSession(command: "\(binary) open \(log); stty -a > \(stty); echo RW-EXITED; sleep 120")
        session.waitFor("the explorer") { $0.contains("Events payments-0") }
        let pid = try XCTUnwrap(processID(commandLine: [binary, "open", log]))
        kill(pid, SIGTERM)
        session.waitFor("the shell after SIGTERM") { $0.contains("RW-EXITED") && !$0.contains("Events payments") }
        XCTAssertTrue(restoredTerminal(stty))
    }

    func testLiveDemoWithLessonsAndGrowingLog() throws {
        let session = try TmuxSession(command: "\(binary) demo --dir \(directory)/demo --events 2000 --rate 20; echo RW-EXITED; sleep 120")
        session.waitFor("the first lesson") { $0.contains("Lesson 1/10 Offsets") }
        try session.send("n")
        session.waitFor("the next lesson") { $0.contains("Lesson 2/10 Partitions and keys") }
        try session.send("Escape")
        let first = session.waitFor("the live header") { $0.contains("LIVE (following)") && !$0.contains("Lesson 2/10") }
        let startOffset = offsetInHeader(first) ?? 0
        // The background producer appends ~20 events/s across 3 partitions: following moves the cursor.
        session.waitFor("new events while following", timeout: 20) { (self.offsetInHeader($0) ?? 0) > startOffset }
        session.waitFor("the pipeline consumer in the topics pane") { $0.contains("pipeline.flagger") }
        try session.send("q")
        session.waitFor("the shell after quitting") { $0.contains("RW-EXITED") }
    }
}
