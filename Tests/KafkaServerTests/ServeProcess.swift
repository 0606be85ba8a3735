import Foundation
import Glibc
import TestSupport
import XCTest

/// `rewind serve --headless` on a free loopback port over its own log directory, run as the real
/// binary and stopped when the test ends (SIGTERM, or SIGKILL for crash tests). Under `timeout`,
/// so a crashed test run cannot leave a broker behind for more than ten minutes.
final class ServeProcess: @unchecked Sendable {
    let directory: String
    let port: Int
    private let extra: [String]
    private(set) var process: Process?
    private let outputPath: String

    static var binary: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("rewind")
    }

    init(directory: String, extra: [String] = []) throws {
        self.directory = directory
        self.extra = extra
        self.port = try LoopbackPort.free()
        outputPath = directory + ".serve-output.txt"
        try start()
    }

    var bootstrap: String { "127.0.0.1:\(port)" }

    /// Everything the server logged so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func start() throws {
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--signal=KILL", "600", Self.binary.path, "serve", "--headless", "--dir", directory,
                             "--listen", "127.0.0.1:\(port)"] + extra
        let log = FileHandle(forWritingAtPath: outputPath)!
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        try waitUntil(timeoutSeconds: 10, "rewind serve listening on \(port)") { LoopbackPort.isListening(self.port) || !process.isRunning }
        guard process.isRunning else { throw NSError(domain: "rewind serve exited at start: \(output)", code: 1) }
    }

    /// The server's own pid (the child of `timeout`).
    var serverPid: Int32? {
        guard let process else { return nil }
        let pid = process.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.first
    }

    /// SIGTERM and wait: returns the exit status (0 for a clean shutdown).
    @discardableResult
    func stop() throws -> Int32 {
        guard let process, process.isRunning, let pid = serverPid else { return -1 }
        Glibc.kill(pid, SIGTERM)
        try waitUntil(timeoutSeconds: 15, "rewind serve to exit after SIGTERM") { !process.isRunning }
        self.process = nil
        return process.terminationStatus
    }

    /// kill -9: no shutdown, no flush.
    func kill() {
        guard let process, process.isRunning else { return }
        if let pid = serverPid { Glibc.kill(pid, SIGKILL) }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { kill() }
}

/// A Python client script (confluent-kafka or kafka-python, the independent clients); fails the
/// test with the script's stderr when it exits non-zero.
func runPython(_ script: String, _ arguments: [String], timeoutSeconds: Double = 90) throws -> String {
    let result = try runToEnd("/usr/bin/env", ["python3", "-c", script] + arguments, timeoutSeconds: timeoutSeconds)
    guard result.status == 0 else {
        throw NSError(domain: "python failed (\(result.status)): \(result.stderr.suffix(3000))\nstdout: \(result.stdout.suffix(1000))", code: 1)
    }
    return result.stdout
}

/// The clients must be installed; `make deps` installs them. In CI their absence fails.
func requireClients(python modules: [String] = [], kcat: Bool = false) throws {
    var missing: [String] = []
    if kcat && !FileManager.default.isExecutableFile(atPath: "/usr/bin/kcat") { missing.append("kcat") }
    for module in modules where (try? runPython("import \(module)", [])) == nil { missing.append("python3 \(module)") }
    guard !missing.isEmpty else { return }
    let message = "not installed: \(missing.joined(separator: ", ")) (run `make deps`)"
    if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail(message) }
    throw XCTSkip(message)
}
