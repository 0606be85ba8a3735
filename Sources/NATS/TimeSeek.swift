/// Finds the first message at or after a time in a stream whose times rise with the sequence,
/// asking the server for as few messages, in as few round trips, as it can.
///
/// A binary search needs ~log2(n) sequential round trips (20 on a 1M-message stream), and each
/// probe lands in a different part of the stream: on a file-backed stream every one can make the
/// server load a message block it had evicted, which is where a seek's tail latency went (p99
/// 183 ms against p50 5 ms). Interpolating on the times instead lands next to the answer in one or
/// two rounds for the streams Rewind sees (times spread over the sequence, even when bursty), the
/// probes of one round go out pipelined, and the final window is fetched whole. A round whose
/// interpolation did not halve the window adds the midpoint, so a skewed stream still costs no
/// more rounds than bisection.
struct TimeSeek {
    /// Candidates between the bounds that are fetched whole instead of searched further. Small:
    /// each message asked costs the server tens of microseconds (a round of 3 probes costs about
    /// what 8 more messages do), so searching on beats fetching a wide window.
    static let finalWindowMax: UInt64 = 16

    /// The time (epoch ms) of each asked sequence, nil where the message is deleted; one call is
    /// one round trip.
    let probe: ([UInt64]) throws -> [Int64?]
    /// The first stored message at or after a sequence and up to a bound, with its time: the way
    /// past a run of deleted messages that no probe of a round hit.
    let firstStored: (_ from: UInt64, _ last: UInt64) throws -> (sequence: UInt64, time: Int64)?
    /// Sequences after the final window asked in its round too: the first page a caller reads
    /// after the seek, which then costs no round trip of its own.
    let pageAfter: UInt64

    init(probe: @escaping ([UInt64]) throws -> [Int64?], firstStored: @escaping (_ from: UInt64, _ last: UInt64) throws -> (sequence: UInt64, time: Int64)?,
         pageAfter: UInt64 = 0) {
        self.probe = probe
        self.firstStored = firstStored
        self.pageAfter = pageAfter
    }

    /// The times of the messages at `first` and `last` (nil: deleted), as a search reads them in
    /// its first round.
    typealias Ends = (first: Int64?, last: Int64?)

    /// The smallest stored sequence in `first...last` whose time is at or after `target`, or
    /// `last + 1` when none is; `pageAsked` when the last probe also asked every sequence that
    /// can hold one of the `pageAfter` stored messages from there on (the final window's round).
    /// `knownEnds` (from an earlier search over the same `first` and `last`) spares the first
    /// round; `ends` returns them for the next search.
    func search(_ target: Int64, first: UInt64, last: UInt64, knownEnds: Ends? = nil) throws
        -> (sequence: UInt64, roundTrips: Int, pageAsked: Bool, ends: Ends) {
        var roundTrips = 0
        let ends: Ends
        if let knownEnds {
            ends = knownEnds
        } else {
            roundTrips += 1
            let probed = try probe(first == last ? [first] : [first, last])
            ends = (probed[0], probed.last!)
        }
        let firstTime = ends.first, lastTime = ends.last
        if let firstTime, firstTime >= target { return (first, roundTrips, false, ends) }
        if let lastTime, lastTime < target { return (last + 1, roundTrips, true, ends) }
        // Invariant: every stored message at or before `low` is before the target; `high` is a
        // message at or after it (or last+1); the answer is the first stored message in
        // low+1..<end that is at or after the target, else `high` (end < high past a deleted run).
        var low = firstTime == nil ? (sequence: first - 1, time: Int64?.none) : (sequence: first, time: firstTime)
        var high = lastTime == nil ? (sequence: last + 1, time: Int64?.none) : (sequence: last, time: lastTime)
        var end = high.sequence
        var halvedLastRound = true
        var askedLast = Set<UInt64>()
        while end - low.sequence > 1 {
            let window = end - low.sequence - 1
            if window <= Self.finalWindowMax {
                roundTrips += 1
                let sequences = Array(low.sequence + 1..<end)
                // end..<high.sequence, if any, is a run known to be deleted.
                let page = high.sequence <= last && pageAfter > 0 ? Array(high.sequence...min(last, high.sequence + pageAfter - 1)) : []
                let times = try probe(sequences + page)
                let index = times[..<sequences.count].firstIndex { $0.map { $0 >= target } ?? false }
                return (index.map { sequences[$0] } ?? high.sequence, roundTrips, true, ends)
            }
            let middle = low.sequence + 1 + window / 2
            var sequences = Set<UInt64>()
            if let lowTime = low.time, let highTime = high.time, highTime > lowTime {
                let fraction = Double(target - lowTime) / Double(highTime - lowTime)
                let guess = low.sequence + UInt64((Double(high.sequence - low.sequence) * fraction).rounded())
                let spread = max(16, window >> 8)
                let inside = (low.sequence + 1)...(end - 1)
                for candidate in [guess &- spread, guess, guess &+ spread] { sequences.insert(candidate.clamped(to: inside)) }
            }
            if !halvedLastRound || sequences.isEmpty { sequences.insert(middle) }
            let asked = sequences.sorted()
            askedLast = sequences
            roundTrips += 1
            var learned = false
            var middleDeleted = false
            for (sequence, time) in zip(asked, try probe(asked)) {
                if sequence == middle, time == nil, sequences.contains(middle) { middleDeleted = true }
                guard let time, sequence > low.sequence, sequence < end else { continue }
                if time >= target {
                    high = (sequence, time)
                    end = sequence
                } else {
                    low = (sequence, time)
                }
                learned = true
            }
            // Every probe hit a deleted message, or the midpoint that was to halve the window fell
            // in a deleted run while the other probes crept: step past the hole from the middle.
            // Without the second case a run of deletions under the midpoint let the window shrink
            // by a spread per round (38 rounds on 1,000 messages).
            let halved = end - low.sequence - 1 <= window / 2
            if !learned || (middleDeleted && !halved && middle > low.sequence && middle < end) {
                roundTrips += 1
                askedLast = []
                if let stored = try firstStored(middle, end - 1) {
                    if stored.time >= target {
                        high = (stored.sequence, stored.time)
                        end = middle // middle..<stored.sequence is deleted
                    } else {
                        low = (stored.sequence, stored.time)
                    }
                } else {
                    end = middle // middle..<end is all deleted
                }
            }
            halvedLastRound = end - low.sequence - 1 <= window / 2
        }
        let pageAsked = pageAfter > 0 && (high.sequence > last || (high.sequence...min(last, high.sequence + pageAfter - 1)).allSatisfy(askedLast.contains))
        return (high.sequence, roundTrips, pageAsked, ends)
    }
}

private extension UInt64 {
    func clamped(to range: ClosedRange<UInt64>) -> UInt64 { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
