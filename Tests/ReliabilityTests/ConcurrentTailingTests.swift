@testable import EventLog
import Foundation
import Glibc
import TestSupport
import XCTest

/// Readers that follow a partition while it is written — a thread in the writer's process and a
/// separate `rewind consume --follow` process — see every event exactly once, in order, never a
/// torn batch; concurrent producers get every offset exactly once. The full-size figures (10M
/// events, lag percentiles) come from `RewindBench --concurrency-only`.
final class ConcurrentTailingTests: XCTestCase {
    var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("rewind").path
    }

    func value(_ n: Int) -> [UInt8] { Array(#"{"n":\#(n),"pad":"\#(String(repeating: "p", count: n % 97))"}"#.utf8) }

    func testFollowersInAndOutOfProcessSeeEveryEventOnceInOrder() throws {
        let events = 30_000, batch = 25
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("log")
        let log = try EventLog.open(path, mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("t", config: TopicConfig(partitions: 1, segmentBytes: 64 << 10)) // many rolls while followed
        let partition = try log.partition(TopicPartition(topic: "t", partition: 0))

        let consumer = Process()
        consumer.executableURL = URL(fileURLWithPath: binary)
        consumer.arguments = ["consume", "t", "--dir", path, "--follow", "--max", String(events)]
        let output = Pipe()
        consumer.standardOutput = output
        try consumer.run()
        let printed = Box(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            printed.value = output.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }

        let follower = InProcessFollower(partition: partition, events: events, expected: value)
        let followerDone = DispatchSemaphore(value: 0)
        Thread {
            follower.run()
            followerDone.signal()
        }.start()
        for start in stride(from: 0, to: events, by: batch) {
            try partition.append((start..<(start + batch)).map { ProducerRecord(key: nil, value: value($0), timestamp: Timestamp(milliseconds: Int64($0))) })
            if start % 2500 == 0 { usleep(2000) } // let the readers catch up now and then: both paths, waiting and streaming
        }
        try partition.sync()
        XCTAssertEqual(followerDone.wait(timeout: .now() + 60), .success)
        if drained.wait(timeout: .now() + 60) == .timedOut {
            consumer.terminate()
            XCTFail("the consume process did not see all \(events) events within a minute")
        }
        consumer.waitUntilExit()
        XCTAssertNil(follower.failure)
        XCTAssertEqual(follower.seen, Array(0..<Int64(events)))
        let lines = String(decoding: printed.value, as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, events)
        for (n, line) in lines.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(object["offset"] as? Int, n)
            XCTAssertEqual(try JSONSerialization.data(withJSONObject: object["value"]!, options: [.sortedKeys]),
                           try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: Data(value(n))), options: [.sortedKeys]))
            if n != object["offset"] as? Int { break }
        }
        XCTAssertEqual(consumer.terminationStatus, 0)
    }

    func testConcurrentProducersGetEveryOffsetOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("t", config: TopicConfig(partitions: 1, segmentBytes: 16 << 10))
        let partition = try log.partition(TopicPartition(topic: "t", partition: 0))
        let threads = 8, perThread = 300
        let results = ThreadSafeOffsets()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for n in 0..<perThread {
                let record = ProducerRecord(key: nil, value: Array("\(thread)/\(n)".utf8), timestamp: Timestamp(milliseconds: 0))
                results.add(try! partition.append([record], durable: n % 10 == 0).firstOffset.rawValue, "\(thread)/\(n)")
            }
        }
        XCTAssertEqual(results.offsets.keys.sorted(), Array(0..<Int64(threads * perThread)))
        for record in try partition.read(from: .zero, maxRecords: threads * perThread) {
            XCTAssertEqual(record.value.map { String(decoding: $0, as: UTF8.self) }, results.offsets[record.offset.rawValue])
        }
        let reader = try EventLog.open(directory.appending("log"), mode: .readOnly)
        defer { reader.close() }
        XCTAssertEqual(try Verifier.verify(reader).problems, [])
    }
}

final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// A thread in the writer's process following the partition through the writer's condition.
final class InProcessFollower: @unchecked Sendable {
    let partition: PartitionLog, events: Int, expected: (Int) -> [UInt8]
    var seen: [Int64] = []
    var failure: String?
    init(partition: PartitionLog, events: Int, expected: @escaping (Int) -> [UInt8]) {
        self.partition = partition; self.events = events; self.expected = expected
    }

    func run() {
        var next: Int64 = 0
        while next < Int64(events) && failure == nil {
            guard let end = try? partition.waitForRecords(after: Offset(next), timeoutMs: 1000), end.rawValue > next else { continue }
            do {
                try partition.forEachRecord(from: Offset(next)) { record, _ in
                    if record.offset.rawValue != next || record.value.map(Array.init) != expected(Int(next)) {
                        failure = "offset \(record.offset) where \(next) was due, or its value differs"
                        return false
                    }
                    seen.append(next)
                    next += 1
                    return true
                }
            } catch { failure = "\(error)" }
        }
    }
}

final class ThreadSafeOffsets: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var offsets: [Int64: String] = [:]
    func add(_ offset: Int64, _ value: String) {
        lock.lock()
        defer { lock.unlock() }
        precondition(offsets[offset] == nil, "offset \(offset) handed out twice")
        offsets[offset] = value
    }
}
