import Foundation
import Glibc
import XCTest

/// A tmux session on a private server (its own socket), driven like a person would: keys in,
/// screen text out. Every wait polls for a condition with a deadline — never a fixed sleep.
public final class TmuxSession {
    public let socket: String
    public let name = "e2e"

    public init(command: String, width: Int = 100, height: Int = 30) throws {
        socket = "rewind-e2e-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        try tmux(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", name, command])
    }

    deinit { try? tmux(["kill-server"]) }

    /// Runs a tmux command with posix_spawn and waitpid. (Foundation's Process never reaps the
    /// tmux client that forks the server, so waiting on it hangs.) Output is read only when asked:
    /// the server inherits the client's descriptors and would hold a pipe open forever.
    @discardableResult
    public func tmux(_ arguments: [String], capture: Bool = false) throws -> String {
        let argv = ["tmux", "-L", socket] + arguments
        var pipe: [Int32] = [-1, -1]
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if capture {
            guard Glibc.pipe(&pipe) == 0 else { throw POSIXError(.EIO) }
            posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipe[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        guard posix_spawnp(&pid, "tmux", &actions, nil, cArguments, environ) == 0 else { throw POSIXError(.ENOENT) }
        var output = Data()
        if capture {
            close(pipe[1])
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(pipe[0], &buffer, buffer.count)
                if count <= 0 { break }
                output.append(contentsOf: buffer[0..<count])
            }
            close(pipe[0])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }

    public func screen() -> String { (try? tmux(["capture-pane", "-p", "-t", name], capture: true)) ?? "" }

    /// Keys by tmux name (Enter, Escape, Tab, Up…) or literal text with `literal`.
    public func send(_ keys: String..., literal: Bool = false) throws {
        try tmux(["send-keys", "-t", name] + (literal ? ["-l", "--"] : []) + keys)
    }

    /// Waits until `condition` holds for the screen text; fails the test with the last screen if not.
    @discardableResult
    public func waitFor(_ description: String, timeout: Double = 15, pollMs: Int = 50, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var text = screen()
        while !condition(text) {
            if Date() > deadline {
                XCTFail("timed out waiting for \(description); screen was:\n\(text)", file: file, line: line)
                return text
            }
            usleep(useconds_t(pollMs * 1000))
            text = screen()
        }
        return text
    }
}
