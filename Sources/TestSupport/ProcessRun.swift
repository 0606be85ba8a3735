import Dispatch
import Foundation

/// Runs a program to its end under `timeout --signal=KILL` (a hung client fails its test instead of
/// the run); its exit status, standard output and standard error.
public func runToEnd(_ executable: String, _ arguments: [String], input: Data? = nil, timeoutSeconds: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["--signal=KILL", String(Int(timeoutSeconds)), executable] + arguments
    let output = Pipe(), errors = Pipe(), stdin = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(input) }
    try? stdin.fileHandleForWriting.close()
    // stderr drains on another thread: a chatty child (kcat -d) must never block on a full pipe.
    final class Box: @unchecked Sendable { var data = Data() }
    let err = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        err.data = errors.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let out = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err.data, as: UTF8.self))
}
