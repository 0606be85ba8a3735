import CursesTerminal
import Decoding
import EventLog
import Explorer
import Glibc
import Interop
import Projections

/// The explorer's main loop: effects go to the session, messages to `update`, frames to the
/// terminal. Ticks every 100 ms drive rebuild animation and live polling; work per key press is
/// bounded (the session caps every scan), so input is never starved.
enum ExplorerRunner {
    /// `onTick` runs every 100 ms on the explorer's thread: `rewind serve` refreshes its status there.
    /// `stage` does what a lesson asks of a running demo (`rewind demo`); its facts go back to `update`.
    static func run(log: EventLog, state initial: ExplorerState, decoders: TopicDecoders? = nil,
                    onTick: ((inout ExplorerState) -> Void)? = nil, stage: ((LessonStage) -> [Message])? = nil,
                    effects initialEffects: [Effect] = []) throws {
        guard isatty(1) == 1, isatty(0) == 1 else {
            throw CommandFailure(message: "the explorer needs a terminal (stdin and stdout); use `rewind consume`/`view` in scripts")
        }
        // A read-only capture's __consumer_offsets can't change under us: decode it once, not on
        // every topics poll (it can be megabytes on a real broker).
        var decodedGroups: [String: [TopicPartition: Offset]]?
        let session = ExplorerSession(log: log, snapshots: SnapshotStore(logDirectory: log.directory, writesInBackground: true), now: WallClock.now,
                                      monotonic: monotonicSeconds, externalGroups: {
            if let decodedGroups, log.isReadOnly { return decodedGroups }
            let groups = try KafkaConsumerOffsets.committed(in: log) ?? [:]
            decodedGroups = groups
            return groups
        }, decoders: { _ in decoders })
        let terminal = CursesTerminal()
        defer {
            terminal.restore()
            session.snapshots.waitForWrites()
        }
        var state = initial
        (state.width, state.height) = terminal.size
        var pending: [Effect] = [.loadTopics]
        // Every message carries the wall clock into the state (the lessons' delays in ms).
        func update(_ message: Message) -> [Effect] {
            state.clockMs = WallClock.now().milliseconds
            return Explorer.update(&state, message)
        }
        // Lesson stages go to the demo, not the session (which has no world to stage in).
        func feed(_ effects: [Effect]) {
            for effect in effects {
                guard case let .stage(what) = effect else {
                    pending.append(effect)
                    continue
                }
                for message in stage?(what) ?? [] { feed(update(message)) }
            }
        }
        feed(initialEffects)
        var nextTick = monotonicSeconds() + 0.1
        var lastPaint = 0.0
        var idleTurn = false
        while true {
            session.drain(&pending, into: &state)
            if state.quitting || terminalStopRequested != 0 { break }
            // Idle slices repaint at most 20 times a second: the progress shows, the fold keeps the CPU.
            if !idleTurn || monotonicSeconds() - lastPaint >= 0.05 {
                terminal.paint(Explorer.render(state, width: state.width, height: state.height))
                lastPaint = monotonicSeconds()
            }
            let waitMs = state.hasBackgroundWork ? 0 : max(0, Int((nextTick - monotonicSeconds()) * 1000))
            idleTurn = false
            if let input = terminal.read(timeoutMs: waitMs) {
                switch input {
                case let .key(key): feed(update(.key(key)))
                case let .resize(width, height): feed(update(.resize(width: width, height: height)))
                }
            } else if state.hasBackgroundWork, monotonicSeconds() < nextTick {
                idleTurn = true
                feed(update(.idle))
            }
            if monotonicSeconds() >= nextTick {
                onTick?(&state)
                feed(update(.tick))
                nextTick = monotonicSeconds() + 0.1
            }
        }
    }

}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
