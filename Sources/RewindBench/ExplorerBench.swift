import EventLog
import Explorer
import Glibc
import Projections

/// Section 6: the explorer on the 10M-event bank log, driven without a terminal: update + session
/// effects + render, the same path a key press takes in `rewind open`. Cold start: a fresh log open
/// and an empty snapshot cache.
func runExplorerBenchmark(logDirectory: String, directory: String, events: Int) throws {
    print("\n6. explorer: open, key press → frame, memory")
    let cache = directory + "/explorer-cache"
    try? FileSystem.removeTree(cache)
    let warmed = PageCache.warm(logDirectory)
    print("  (log read once to warm the page cache: \(warmed / 1_000_000) MB, \(String(format: "%.0f", PageCache.residentFraction(logDirectory) * 100))% resident)")
    malloc_trim(0)
    let rssBefore = residentMegabytes()
    var start = now()
    let log = try EventLog.open(logDirectory, mode: .readOnly)
    defer { log.close() }
    let session = ExplorerSession(log: log, snapshots: SnapshotStore(logDirectory: logDirectory, cacheRoot: cache, writesInBackground: true),
                                  now: { Timestamp(milliseconds: 1_700_000_000_000 + 20 * 86_400_000) }, monotonic: now)
    var state = ExplorerState()
    state.width = 100
    state.height = 30
    let debug = getenv("REWIND_BENCH_DEBUG") != nil
    var slowest = ""
    /// Effects run one at a time, each timed under its case name (what the profile mode adds up
    /// and what names a slow key).
    func drainTimed(_ effects: [Effect], _ took: (String, Double) -> Void) {
        var pending = effects
        while !pending.isEmpty {
            let effect = pending.removeFirst()
            let started = now()
            let messages = session.perform(effect)
            took(String(String(describing: effect).prefix { $0 != "(" }), now() - started)
            for message in messages { pending += Explorer.update(&state, message) }
        }
    }
    func drain(_ effects: [Effect]) {
        guard debug else {
            var pending = effects
            return session.drain(&pending, into: &state)
        }
        drainTimed(effects) { name, seconds in
            if seconds > 0.0002 { slowest += " \(name) \(String(format1: seconds * 1000)) ms" }
        }
    }
    drain([.loadTopics])
    var screen = Explorer.render(state, width: 100, height: 30)
    let openMs = (now() - start) * 1000
    precondition(screen.text.contains("Events payments-0"), "first frame lacks the events pane")

    if getenv("REWIND_PROFILE_EXPLORER") != nil {
        drain(Explorer.update(&state, .key(.character("G"))))
        for _ in 0..<40 { drain(Explorer.update(&state, .tick)) }
        // Where a key's time goes: each effect timed on its own, then the render.
        var spent: [String: Double] = [:]
        let profileStart = now()
        for _ in 0..<3000 {
            drainTimed(Explorer.update(&state, .key(.character("k")))) { spent[$0, default: 0] += $1 }
            let started = now()
            screen = Explorer.render(state, width: 100, height: 30)
            spent["render", default: 0] += now() - started
        }
        print("k: \(String(format1: (now() - profileStart) * 1000 / 3000)) ms each")
        for (name, seconds) in spent.sorted(by: { $0.value > $1.value }) { print("  \(name): \(String(format: "%.3f", seconds * 1000 / 3000)) ms per key") }
        exit(0)
    }
    // The key mix of a debugging session: stepping, paging, jumps to either end, time scrubs and
    // time jumps, view row moves. Ticks between keys let far view syncs catch up in slices.
    let keys: [[Key]] = [[.character("j")], [.character("k")], [.pageDown], [.pageUp], [.character("G")], [.character("g")],
                         [.character("]")], [.character("[")], [.character("t"), .character("-"), .character("5"), .character("d"), .enter],
                         [.tab, .character("j"), .backTab]]
    var keyLatencies: [Double] = []
    var tickLatencies: [Double] = []
    var idleLatencies: [Double] = [0]
    var random = SystemRandomNumberGenerator()
    var peakRSS = residentMegabytes()
    for round in 0..<600 {
        let sequence = keys.randomElement(using: &random)!
        start = now()
        for key in sequence { drain(Explorer.update(&state, .key(key))) }
        screen = Explorer.render(state, width: 100, height: 30)
        keyLatencies.append((now() - start) * 1000 / Double(sequence.count))
        if debug, keyLatencies.last! > 5 { print("    slow: \(sequence.map(\.label)) \(String(format1: keyLatencies.last!)) ms:\(slowest)") }
        slowest = ""
        // Between keys, as the runner does: idle slices while the view catches up (a key arriving
        // meanwhile waits for one), then ticks.
        var idleTurns = 0
        while state.hasBackgroundWork, idleTurns < 100 {
            start = now()
            drain(Explorer.update(&state, .idle))
            idleLatencies.append((now() - start) * 1000)
            idleTurns += 1
        }
        for _ in 0..<3 {
            start = now()
            drain(Explorer.update(&state, .tick))
            screen = Explorer.render(state, width: 100, height: 30)
            tickLatencies.append((now() - start) * 1000)
            if debug, tickLatencies.last! > 10 { print("    slow tick: \(String(format1: tickLatencies.last!)) ms:\(slowest)") }
            slowest = ""
        }
        if round % 50 == 0 { peakRSS = max(peakRSS, residentMegabytes()) }
    }
    keyLatencies.sort()
    tickLatencies.sort()
    idleLatencies.sort()
    let p50 = keyLatencies[keyLatencies.count / 2], p99 = keyLatencies[keyLatencies.count * 99 / 100]
    let renderStart = now()
    for _ in 0..<200 { screen = Explorer.render(state, width: 100, height: 30) }
    let renderMs = (now() - renderStart) * 1000 / 200
    report("explorer open (\(events / 1_000_000)M events, cold)", rewind: openMs, unit: "ms", baseline: 200, baselineName: "budget", higherIsBetter: false, goal: "≤ 200 ms")
    report("key press → frame, p99", rewind: p99, unit: "ms", baseline: 5, baselineName: "budget", higherIsBetter: false, goal: "≤ 5 ms")
    print("  key → frame p50 \(String(format1: p50)) ms, p99 \(String(format1: p99)) ms over \(keyLatencies.count) key presses; tick p99 \(String(format1: tickLatencies[tickLatencies.count * 99 / 100])) ms; idle slice p99 \(String(format1: idleLatencies[idleLatencies.count * 99 / 100])) ms over \(idleLatencies.count - 1); render alone \(String(format1: renderMs)) ms")
    print("  resident memory (a fresh process): \(String(format1: rssBefore)) MB before open, peak \(String(format1: peakRSS)) MB (goal ≤ 100 MB)")
    report("explorer resident memory, peak", rewind: peakRSS, unit: "MB", baseline: 100, baselineName: "budget", higherIsBetter: false, goal: "≤ 100 MB")
}
