@testable import NATS
import TestSupport
import XCTest

/// The seek's search against a linear scan, over streams shaped like the ones Rewind meets:
/// even, bursty, with runs of equal times, with deleted messages (single and in long runs).
final class TimeSeekTests: XCTestCase {
    struct Stream {
        var first: UInt64
        var times: [Int64?] // index 0 is sequence `first`; nil: deleted

        func time(_ sequence: UInt64) -> Int64? { times[Int(sequence - first)] }
        var last: UInt64 { first + UInt64(times.count) - 1 }

        func expected(_ target: Int64) -> UInt64 {
            for (index, time) in times.enumerated() where time.map({ $0 >= target }) ?? false { return first + UInt64(index) }
            return last + 1
        }
    }

    func makeStream(_ random: inout SeededRandom) -> Stream {
        let count = [1, 2, 3, 50, 101, 102, 1_000, 20_000, 100_000][Int.random(in: 0..<9, using: &random)]
        var time = Int64.random(in: 0...1_000_000, using: &random)
        let shape = Int.random(in: 0..<4, using: &random)
        var times: [Int64?] = []
        times.reserveCapacity(count)
        for index in 0..<count {
            switch shape {
            case 0: time += 10 // even
            case 1: time += Int64.random(in: 0...3, using: &random) == 0 ? Int64.random(in: 1...50_000, using: &random) : 0 // bursts of equal times
            case 2: time += index % 1_000 < 10 ? 100_000 : 1 // mostly dense, a few far jumps
            default: time += Int64.random(in: 0...100, using: &random)
            }
            times.append(time)
        }
        // Deleted messages: a few singles and, sometimes, a long run.
        for _ in 0..<Int.random(in: 0...5, using: &random) where count > 2 { times[Int.random(in: 0..<count, using: &random)] = nil }
        if count > 500, Bool.random(using: &random) {
            let start = Int.random(in: 0..<(count - 300), using: &random)
            for index in start..<(start + Int.random(in: 100...300, using: &random)) { times[index] = nil }
        }
        return Stream(first: UInt64.random(in: 1...1_000, using: &random), times: times)
    }

    func testSearchEqualsALinearScan() throws {
        var random = SeededRandom.fromEnvironment()
        var pagesChecked = 0
        for round in 0..<60 {
            let stream = makeStream(&random)
            var probes = 0
            var lastAsked: Set<UInt64> = []
            let pageAfter = UInt64([0, 1, 50][round % 3])
            let seek = TimeSeek(
                probe: { sequences in
                    probes += 1
                    lastAsked = Set(sequences)
                    XCTAssertLessThanOrEqual(sequences.count, Int(TimeSeek.finalWindowMax + pageAfter), "one round trip asks for a bounded number of messages")
                    return sequences.map { stream.time($0) }
                },
                firstStored: { from, last in
                    probes += 1
                    lastAsked = []
                    return (from...last).lazy.compactMap { sequence in stream.time(sequence).map { (sequence, $0) } }.first
                },
                pageAfter: pageAfter)
            let known = stream.times.compactMap { $0 }
            var targets = [Int64.min / 2, Int64.max / 2]
            if let low = known.first, let high = known.last {
                targets += [low, low - 1, high, high + 1]
                for _ in 0..<20 { targets.append(Int64.random(in: (low - 5)...(high + 5), using: &random)) }
                for _ in 0..<10 { targets.append(known.randomElement(using: &random)!) }
            }
            for target in targets {
                probes = 0
                let found = try seek.search(target, first: stream.first, last: stream.last)
                XCTAssertEqual(found.sequence, stream.expected(target), "round \(round): \(stream.times.count) messages, target \(target)")
                XCTAssertEqual(found.roundTrips, probes)
                if found.pageAsked {
                    pagesChecked += 1
                    // The page after the answer came with the last round: every stored message
                    // of it (deleted ones aside) was asked there.
                    let page = (found.sequence..<min(stream.last + 1, found.sequence + pageAfter)).filter { stream.time($0) != nil }
                    XCTAssertTrue(page.allSatisfy(lastAsked.contains), "round \(round): target \(target), page of \(pageAfter) after \(found.sequence)")
                }
                // Knowing the ends' times (an earlier seek on the same stream state) spares the
                // first round and changes nothing else.
                probes = 0
                let again = try seek.search(target, first: stream.first, last: stream.last, knownEnds: found.ends)
                XCTAssertEqual(again.sequence, found.sequence, "round \(round): target \(target), ends known")
                XCTAssertEqual(again.roundTrips, found.roundTrips - 1, "round \(round): target \(target), ends known")
                XCTAssertEqual(again.roundTrips, probes)
                XCTAssertEqual(again.pageAsked, found.pageAsked)
                XCTAssertEqual(found.ends.first, stream.time(stream.first))
                XCTAssertEqual(found.ends.last, stream.time(stream.last))
                // Logarithmic however the times are shaped: a round that does not halve the window
                // is followed by one with the midpoint, and a round that hits only deleted
                // messages by one step past the hole.
                let halvings = Int(log2(Double(max(2, stream.times.count))))
                let bound = stream.times.contains(nil) ? 3 * halvings + 6 : 2 * halvings + 4
                XCTAssertLessThanOrEqual(found.roundTrips, bound, "round \(round): \(stream.times.count) messages, target \(target)")
            }
        }
        XCTAssertGreaterThan(pagesChecked, 0, "some searches fetched the page after their answer with their last round")
    }

    /// Evenly spread times (what a mirrored topic mostly looks like): a handful of round trips on a
    /// million messages, where bisection took twenty.
    func testEvenTimesTakeAFewRoundTrips() throws {
        let stream = Stream(first: 1, times: (0..<1_000_000).map { Int64($0) * 13 + Int64($0 % 7) })
        var lastAsked: [UInt64] = []
        let seek = TimeSeek(probe: { lastAsked = $0; return $0.map { stream.time($0) } }, firstStored: { from, _ in stream.time(from).map { (from, $0) } },
                            pageAfter: 50)
        var random = SeededRandom(seed: 42)
        for _ in 0..<200 {
            let target = Int64.random(in: 0...13_000_000, using: &random)
            let found = try seek.search(target, first: 1, last: 1_000_000)
            var low = 0, high = stream.times.count // no holes: the times are sorted
            while low < high {
                let middle = (low + high) / 2
                if stream.times[middle]! >= target { high = middle } else { low = middle + 1 }
            }
            XCTAssertEqual(found.sequence, UInt64(low) + 1)
            XCTAssertLessThanOrEqual(found.roundTrips + (found.pageAsked ? 0 : 1), 6, "target \(target): the seek and its first page")
            if found.pageAsked {
                XCTAssertTrue(Set(lastAsked).isSuperset(of: found.sequence..<min(1_000_001, found.sequence + 50)), "target \(target)")
            }
        }
    }
}
