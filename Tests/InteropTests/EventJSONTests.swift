import EventLog
import Interop
import TestSupport
import XCTest

/// The numbers of the line `consume` prints are written without String: each equals Swift's own
/// decimal form, over the whole Int64 range (seeded).
final class EventJSONTests: XCTestCase {
    func testNumbersPrintAsSwiftPrintsThem() {
        var random = SeededRandom.fromEnvironment()
        let edges: [Int64] = [0, 1, -1, 9, 10, 99, 100, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1, 1_000_000_000_000_000_000]
        for round in 0..<3_000 {
            let offset = round < edges.count ? edges[round] : Int64.random(in: .min ... .max, using: &random) >> Int64.random(in: 0...63, using: &random)
            let time = round < edges.count ? edges[edges.count - 1 - round] : Int64.random(in: .min ... .max, using: &random)
            let partition = Int32.random(in: .min ... .max, using: &random)
            let record = Record(offset: Offset(offset), timestamp: Timestamp(milliseconds: time), key: nil, value: nil, headers: [],
                                batch: .remote(offset: Offset(offset), sizeInBytes: 0))
            let line = String(decoding: EventJSON.line(topic: "t", partition: partition, record: record), as: UTF8.self)
            XCTAssertEqual(line, "{\"topic\":\"t\",\"partition\":\(partition),\"offset\":\(offset),\"timestamp\":\(time),\"key\":null,\"headers\":[],\"value\":null}\n",
                           "seed \(random.seed)")
        }
    }
}
