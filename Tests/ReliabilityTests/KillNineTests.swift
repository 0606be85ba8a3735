@testable import EventLog
import Foundation
import Glibc
import TestSupport
import XCTest

/// Crash safety, measured: a child `rewind produce --durable --ack` appends while we SIGKILL it at
/// random moments, and a `rewind consume --group g --follow` child reads and commits along (killed
/// too, now and then). After each kill a writable open recovers the log, and every event the child
/// acknowledged must be there, byte for byte, at the offset it was acknowledged at; no incomplete
/// batch survives recovery; indexes and the hash chain agree with the data (verify finds nothing);
/// the group's committed offsets are never past the end of the data. `REWIND_KILL_TRIALS` sets the
/// number of trials.
final class KillNineTests: XCTestCase {
    var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("rewind").path
    }

    func testAcknowledgedEventsSurviveKillNine() throws {
        var random = SeededRandom.fromEnvironment()
        let trials = Int(ProcessInfo.processInfo.environment["REWIND_KILL_TRIALS"] ?? "") ?? 20
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("log")
        let setup = try EventLog.open(path, mode: .readWrite, create: true)
        try setup.createTopic("t", config: TopicConfig(partitions: 3, segmentBytes: 64 << 10))
        setup.close()
        var acknowledged: [String: String] = [:] // "partition/offset" → value
        var totalAcks = 0
        var consumer: (pid: pid_t, input: Int32, output: Int32)?
        var groupCommitsChecked = 0
        defer { if let consumer { kill(consumer.pid, SIGKILL); waitpid(consumer.pid, nil, 0) } }
        for trial in 0..<trials {
            if consumer == nil {
                // Its events go to /dev/null: a pipe nobody drains between trials would block it
                // before its next commit.
                consumer = try spawn([binary, "consume", "t", "--dir", path, "--group", "g", "--follow"], discardOutput: true)
            }
            let (pid, input, output) = try spawn([binary, "produce", "t", "--dir", path, "--durable", "--ack", "--key-field", "k"])
            // Feed events and read acks until the random kill moment.
            let killAfter = Double.random(in: 0.05...0.4, using: &random)
            let started = Date()
            var sent: [String] = []
            var pending = Data()
            var n = 0
            while Date().timeIntervalSince(started) < killAfter {
                let value = #"{"k":"key-\#(Int.random(in: 0...20, using: &random))","trial":\#(trial),"n":\#(n),"pad":"\#(String(repeating: "x", count: Int.random(in: 0...300, using: &random)))"}"#
                sent.append(value)
                n += 1
                _ = (value + "\n").withCString { write(input, $0, strlen($0)) }
                pending.append(readAvailable(output))
            }
            kill(pid, SIGKILL)
            if let running = consumer, Int.random(in: 0..<4, using: &random) == 0 {
                kill(running.pid, SIGKILL)
                waitpid(running.pid, nil, 0)
                close(running.input)
                close(running.output)
                consumer = nil
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            pending.append(readAvailable(output))
            close(input)
            close(output)
            // Each ack names the input line of its event (acks follow partitions, not input order).
            let acks = String(decoding: pending, as: UTF8.self).split(separator: "\n").filter { $0.hasSuffix("}") }
            for ack in acks {
                let object = try JSONSerialization.jsonObject(with: Data(ack.utf8)) as! [String: Int]
                acknowledged["\(object["partition"]!)/\(object["offset"]!)"] = sent[object["line"]! - 1]
            }
            totalAcks += acks.count
            // Recover, then check every acknowledgement so far.
            // One sequential pass per partition (not a seek per acknowledgement): the full run checks
            // every acknowledgement after every one of its 200 trials.
            let log = try EventLog.open(path, mode: .readWrite)
            var found = 0
            for partition in try log.partitions(of: "t") {
                try partition.forEachRecord(from: .zero) { record, _ in
                    guard let value = acknowledged["\(partition.topicPartition.partition)/\(record.offset.rawValue)"] else { return true }
                    found += 1
                    if !(record.value.map { $0.elementsEqual(value.utf8) } ?? false) {
                        XCTFail("trial \(trial): \(partition.topicPartition)@\(record.offset) changed")
                    }
                    return true
                }
            }
            XCTAssertEqual(found, acknowledged.count, "trial \(trial): \(acknowledged.count - found) acknowledged events missing")
            log.close()
            let check = try EventLog.open(path, mode: .readOnly)
            let report = try Verifier.verify(check)
            for lag in try check.lag(of: "g") {
                guard let committed = lag.committed else { continue }
                XCTAssertLessThanOrEqual(committed, lag.endOffset, "trial \(trial): group g committed past the data of \(lag.topicPartition)")
                groupCommitsChecked += 1
            }
            check.close()
            XCTAssertEqual(report.problems, [], "trial \(trial)")
            XCTAssertEqual(report.incompleteTails, [], "trial \(trial): a torn batch survived recovery")
            XCTAssertEqual(report.staleIndexes, [], "trial \(trial): indexes disagree with the data after recovery")
            XCTAssertTrue(report.heads.allSatisfy { $0.status == .verified || $0.lastOffset == nil }, "trial \(trial): \(report.heads)")
        }
        print("kill -9 trials: \(trials), acknowledged events: \(totalAcks), lost: 0 unless reported above; group commits checked against the data: \(groupCommitsChecked)")
        XCTAssertGreaterThan(totalAcks, trials) // the trials did acknowledge events
    }

    /// Starts `arguments` with pipes on stdin and stdout (non-blocking read end; stdout goes to
    /// /dev/null instead with `discardOutput`).
    func spawn(_ arguments: [String], discardOutput: Bool = false) throws -> (pid_t, Int32, Int32) {
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0 else { throw POSIXError(.EIO) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        if discardOutput {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        }
        posix_spawn_file_actions_addclose(&actions, stdinPipe[1])
        posix_spawn_file_actions_addclose(&actions, stdoutPipe[0])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        guard posix_spawn(&pid, arguments[0], &actions, nil, cArguments, environ) == 0 else { throw POSIXError(.ENOENT) }
        close(stdinPipe[0])
        close(stdoutPipe[1])
        _ = fcntl(stdoutPipe[0], F_SETFL, fcntl(stdoutPipe[0], F_GETFL) | O_NONBLOCK)
        signal(SIGPIPE, SIG_IGN)
        return (pid, stdinPipe[1], stdoutPipe[0])
    }

    func readAvailable(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }
}
