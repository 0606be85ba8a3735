import EventLog

/// Where a fold should stop.
public enum FoldTarget: Hashable, Sendable {
    /// The current end of the log.
    case end
    /// Up to and including this event.
    case event(MergeKey)
    /// Every event, in fold order, until the first with a timestamp after this time.
    case time(Timestamp)
}

/// What a runner has done: for progress bars, the TUI's rebuild animation and `view` output.
public struct ViewProgress: Hashable, Sendable {
    public var eventsApplied: Int64 = 0
    public var duplicatesSkipped: Int64 = 0
    public var lastEvent: MergeKey?
    /// The largest MergeKey folded so far. Timestamps may go back within a partition, so the fold
    /// order is not sorted; a fold "to" a key stops at the first event past it, and a snapshot can
    /// stand in for that fold only if nothing past the key was folded before it.
    public var maxEventSoFar: MergeKey?
    public var positions: [Int32: Offset] = [:]
    public var gaps: [OffsetGap] = []
    /// Events folded per second during the last `run` call.
    public var eventsPerSecond: Double = 0
}

/// Folds a topic into a projection: forward to the end, to an event or a time, one event at a time;
/// rewinds by loading the nearest snapshot at or before the target and replaying the rest.
public final class ViewRunner<P: Projection> {
    public let projection: P
    public let topic: String
    /// Where the events come from: the embedded log, JetStream, a Kafka cluster; the runner never asks which.
    let source: LogSource
    let partitions: [Int32]
    public private(set) var state: P.State
    public private(set) var progress = ViewProgress()
    var stream: TopicStream<P>
    private var deduplicator: Deduplicator
    let snapshots: SnapshotStore?
    /// Take a snapshot every this many events on forward runs (0 turns snapshots off).
    public var snapshotEveryEvents: Int64
    /// In-memory checkpoints every this many events (0: none), the last `checkpointsKept` kept.
    /// Copies of the state and dedupe window share storage until changed, so a checkpoint costs
    /// little; stepping back one event then replays at most this many, not a snapshot interval.
    public var checkpointEveryEvents: Int64 = 2_000
    static var checkpointsKept: Int { 16 }
    private var checkpoints: [ViewSnapshot<P.State>] = []
    let clock: () -> Double
    /// Read, decode and prepare events on other threads while this one folds
    /// (`PreparingBatchStream`): for one-shot folds over the embedded log. Off by default: the
    /// explorer keeps the other core for the terminal and its background work.
    public var readsAhead = false {
        didSet { if readsAhead != oldValue, let restarted = try? makeStream(at: stream.positions) { stream = restarted } }
    }

    public init(log source: LogSource, topic: String, projection: P, snapshots: SnapshotStore?, snapshotEveryEvents: Int64 = 100_000,
                dedupWindow: Int = Deduplicator.defaultWindow, clock: @escaping () -> Double = { 0 }) throws {
        self.source = source
        self.topic = topic
        self.projection = projection
        self.partitions = try source.partitionNumbers(of: topic)
        self.snapshots = snapshots
        self.snapshotEveryEvents = snapshotEveryEvents
        self.clock = clock
        state = projection.makeInitialState()
        deduplicator = Deduplicator(window: dedupWindow)
        stream = try TopicStream(source: source, topic: topic, partitions: partitions, positions: [:])
        progress.positions = stream.positions
    }

    private func makeStream(at positions: [Int32: Offset]) throws -> TopicStream<P> {
        try TopicStream(source: source, topic: topic, partitions: partitions, positions: positions, preparingFor: readsAhead ? projection : nil)
    }

    /// Back to the empty view at the start of the log.
    public func reset() throws {
        state = projection.makeInitialState()
        deduplicator.reset()
        stream = try makeStream(at: [:])
        progress = ViewProgress()
        progress.positions = stream.positions
    }

    /// Folds forward until `target` or `maxEvents` events; returns how many were folded.
    ///
    /// Specialized for the built-in views: the generic loop reaches the projection through its
    /// witness table and, for what `prepare` returned, looks up type metadata per event (~15% of a
    /// pipelined balances fold, perf). The generic entry dispatches to these by type.
    @discardableResult
    @_specialize(where P == BalancesProjection)
    @_specialize(where P == TableProjection)
    @_specialize(where P == RatingsProjection)
    @_specialize(where P == SpecProjection)
    public func run(to target: FoldTarget = .end, maxEvents: Int64 = .max) throws -> Int64 {
        let started = clock()
        let limit = resolve(target)
        var folded: Int64 = 0
        // Fold into local copies: mutating class properties per event costs dynamic exclusivity
        // checks and retain/release pairs (~30% of a rebuild); swaps move the storage, no copy.
        var local = projection.makeInitialState()
        var counters = progress
        swap(&local, &state)
        defer {
            swap(&local, &state)
            progress = counters
            finishRun(started: started, folded: folded)
        }
        var stopped = false
        // The next counts at which a checkpoint or snapshot may be due, so the loop compares once
        // per event instead of dividing twice (64-bit divisions, on every event of every fold).
        var checkpointDue = Self.due(after: counters.eventsApplied, every: checkpointEveryEvents)
        var snapshotDue = Self.due(after: counters.eventsApplied, every: snapshotEveryEvents)
        let prefetchDistance = projection.prefetchDistance
        // Read once: a class property read per event is a dynamic exclusivity check (~3%, perf).
        let deduplicating = deduplicator.isEnabled
        while !stopped, folded < maxEvents, let run = try stream.nextRun() {
            var consumed = 0
            var index = run.start
            let preparedCount = run.prepared.count
            while index < run.records.count {
                let record = run.records[index]
                let key = MergeKey(timestamp: record.timestamp.milliseconds, partition: run.partition, offset: record.offset.rawValue)
                if let bound = run.bound, key > bound { break }
                if folded >= maxEvents || (limit.map { key > $0 } ?? false) {
                    stopped = true
                    break
                }
                if prefetchDistance > 0, index + prefetchDistance < run.records.count {
                    projection.prefetch(EventView(partition: run.partition, record: run.records[index + prefetchDistance]), in: &local)
                }
                let event = EventView(partition: run.partition, record: record)
                if admit(event, key: key, deduplicating: deduplicating, counters: &counters) {
                    if index < preparedCount {
                        _ = projection.apply(event, prepared: run.prepared[index], to: &local)
                    } else {
                        projection.applyDiscardingChange(event, to: &local)
                    }
                }
                consumed += 1
                folded += 1
                index += 1
                if counters.eventsApplied >= checkpointDue {
                    checkpointDue = Self.due(after: counters.eventsApplied, every: checkpointEveryEvents)
                }
                if counters.eventsApplied == checkpointDue,
                   case let stride = copyStride(every: checkpointEveryEvents, rowsPerEvent: Self.checkpointRowsPerEvent, state: local),
                   counters.eventsApplied % stride == 0 {
                    stream.consume(run.slot, count: consumed)
                    consumed = 0
                    takeCheckpoint(local, counters)
                }
                if counters.eventsApplied >= snapshotDue {
                    snapshotDue = Self.due(after: counters.eventsApplied, every: snapshotEveryEvents)
                }
                if counters.eventsApplied == snapshotDue,
                   counters.eventsApplied % copyStride(every: snapshotEveryEvents, rowsPerEvent: Self.snapshotRowsPerEvent, state: local) == 0 {
                    stream.consume(run.slot, count: consumed)
                    consumed = 0
                    swap(&local, &state)
                    progress = counters
                    saveSnapshot()
                    swap(&local, &state)
                }
            }
            stream.consume(run.slot, count: consumed)
        }
        return folded
    }

    /// Folds exactly one event; returns it with the rows it changed (nil at the end of the log).
    public func step() throws -> (event: MergeKey, changed: RowChange, duplicate: Bool)? {
        guard let (slot, event) = try stream.peek() else { return nil }
        let key = event.mergeKey
        let before = progress.duplicatesSkipped
        let changed = fold(event)
        stream.consume(slot)
        finishRun(started: clock(), folded: 1)
        return (key, changed, progress.duplicatesSkipped > before)
    }

    /// The view as of `target`: nearest usable snapshot at or before it (or the start), then
    /// replay. Works backwards too: the runner restarts from that snapshot.
    public func rewind(to target: FoldTarget) throws {
        _ = try rewind(to: target, maxEvents: .max)
    }

    /// `rewind(to:)` that folds at most `maxEvents`; returns true once the view is at `target`.
    /// Call `run(to: target, maxEvents:)` to continue: interactive callers fold in slices so a
    /// long replay never blocks input.
    public func rewind(to target: FoldTarget, maxEvents: Int64) throws -> Bool {
        let limit = resolve(target)
        let canContinue = progress.maxEventSoFar.map { folded in limit.map { folded <= $0 } ?? true } ?? true
        var snapshot = try snapshots?.nearest(atOrBefore: limit, for: projection, topic: topic, source: source)
        if let checkpoint = checkpoints.last(where: { limit == nil || $0.header.maxEventSoFar <= limit! }),
           checkpoint.header.eventsApplied + checkpoint.header.duplicatesSkipped > (snapshot.map { $0.header.eventsApplied + $0.header.duplicatesSkipped } ?? -1) {
            snapshot = checkpoint
        }
        if let snapshot, !canContinue || snapshot.header.eventsApplied + snapshot.header.duplicatesSkipped > progress.eventsApplied + progress.duplicatesSkipped {
            try restore(snapshot)
        } else if !canContinue {
            try reset()
        }
        return try run(to: target, maxEvents: maxEvents) < maxEvents
    }
    public func rows() -> [ViewRow] { projection.rows(of: state) }
    public func row(_ key: String) -> ViewRow? { projection.row(key, of: state) }

    /// Per partition: log end − the view's position (events not yet folded).
    public func lag() throws -> [Int32: Int64] {
        var result: [Int32: Int64] = [:]
        for id in partitions {
            let partition = TopicPartition(topic: topic, partition: id)
            let position = try progress.positions[id] ?? source.startOffset(of: partition)
            result[id] = max(0, try source.endOffset(of: partition).rawValue - position.rawValue)
        }
        return result
    }

    /// Commits the view's position as consumer group `view.<id>`, so `groups describe` shows its lag.
    public func commitPosition() throws {
        var offsets: [TopicPartition: Offset] = [:]
        for (partition, offset) in progress.positions { offsets[TopicPartition(topic: topic, partition: partition)] = offset }
        try source.commit(group: "view.\(projection.id)", offsets: offsets)
    }

    // MARK: Internals

    @discardableResult
    func fold(_ event: EventView) -> RowChange {
        var local = projection.makeInitialState()
        var counters = progress
        swap(&local, &state)
        defer {
            swap(&local, &state)
            progress = counters
        }
        return fold(event, key: event.mergeKey, deduplicating: deduplicator.isEnabled, into: &local, counters: &counters)
    }

    private static var eventIDHeader: StaticString { "event-id" }

    @inline(__always)
    private func fold(_ event: EventView, key: MergeKey, deduplicating: Bool, into state: inout P.State, counters: inout ViewProgress) -> RowChange {
        guard admit(event, key: key, deduplicating: deduplicating, counters: &counters) else { return .none }
        return projection.apply(event, to: &state)
    }

    /// Counts the event; false for a duplicate the dedupe window skips.
    @inline(__always)
    private func admit(_ event: EventView, key: MergeKey, deduplicating: Bool, counters: inout ViewProgress) -> Bool {
        counters.lastEvent = key
        if counters.maxEventSoFar.map({ key > $0 }) ?? true { counters.maxEventSoFar = key }
        let name = Self.eventIDHeader
        if deduplicating, let id = event.record.header(utf8: UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)),
           let bytes = id, !deduplicator.admit(bytes) {
            counters.duplicatesSkipped += 1
            return false
        }
        counters.eventsApplied += 1
        return true
    }

    private func finishRun(started: Double, folded: Int64) {
        progress.positions = stream.positions
        progress.gaps = stream.gaps
        let elapsed = clock() - started
        if elapsed > 0 { progress.eventsPerSecond = Double(folded) / elapsed }
    }

    /// The MergeKey a target stops at, for picking a snapshot (nil = the end).
    private func resolve(_ target: FoldTarget) -> MergeKey? {
        switch target {
        case .end: return nil
        case let .event(key): return key
        case let .time(time): return MergeKey(timestamp: time.milliseconds, partition: .max, offset: .max)
        }
    }

    /// The smallest multiple of `every` at or after `count` (Int64.max when `every` is 0: never).
    /// A multiple stays due while the count stays on it (duplicates skipped there fold no event),
    /// as `count % every == 0` did.
    @inline(__always)
    private static func due(after count: Int64, every: Int64) -> Int64 {
        guard every > 0 else { return .max }
        let (quotient, remainder) = count.quotientAndRemainder(dividingBy: every)
        let (rounded, overflow) = (remainder == 0 ? quotient : quotient + 1).multipliedReportingOverflow(by: every)
        return overflow ? .max : rounded
    }

    /// A checkpoint or snapshot copies every row: the next change after a checkpoint copies the
    /// state (copy-on-write), a snapshot encodes it. A checkpoint every 2,000 events of a 200k-row
    /// table copies 100 rows an event: `table` folded 55k events/s, and perf on `RewindBench
    /// --tables-only --events 200000` (20k keys) put 64% of the fold in those copies. So one is
    /// due at every multiple of `every` only while the state holds at most `rowsPerEvent` rows per
    /// event since the previous one (or `rowsCopiedFreely`); past that, at multiples of `every`
    /// times the power of two that restores the ratio. Powers of two keep the positions the same
    /// whatever event a run started from (snapshot names and checkpoints line up).
    @inline(never)
    private func copyStride(every: Int64, rowsPerEvent: Double, state: P.State) -> Int64 {
        var stride = every
        let rows = Double(projection.rowCount(of: state))
        while rows > Self.rowsCopiedFreely, Double(stride) * rowsPerEvent < rows, stride < Int64.max / 4 { stride *= 2 }
        return stride
    }

    /// A copy of this many rows costs well under a millisecond: never a reason to space copies out.
    static var rowsCopiedFreely: Double { 1_000 }

    /// Copying a row (a retain and a bucket) costs about what folding an event does.
    static var checkpointRowsPerEvent: Double { 0.25 }
    /// Encoding a row as JSON costs ~10 folded events; a snapshot costs at most ~20% of the fold.
    static var snapshotRowsPerEvent: Double { 0.02 }

    private func takeCheckpoint(_ state: P.State, _ counters: ViewProgress) {
        guard let last = counters.lastEvent else { return }
        let consumed = counters.eventsApplied + counters.duplicatesSkipped
        if let latest = checkpoints.last, latest.header.eventsApplied + latest.header.duplicatesSkipped >= consumed { return }
        let header = SnapshotHeader(view: projection.id, topic: topic, lastEvent: last, maxEventSoFar: counters.maxEventSoFar ?? last,
                                    eventsApplied: counters.eventsApplied, duplicatesSkipped: counters.duplicatesSkipped,
                                    positions: stream.positions.mapValues(\.rawValue), gaps: stream.gaps)
        checkpoints.append(ViewSnapshot(header: header, recentEventIDs: [], state: state, deduplicator: deduplicator))
        if checkpoints.count > Self.checkpointsKept { checkpoints.removeFirst(checkpoints.count - Self.checkpointsKept) }
    }

    private func saveSnapshot() {
        guard let snapshots, let last = progress.lastEvent else { return }
        let snapshot = ViewSnapshot(
            header: SnapshotHeader(view: projection.id, topic: topic, lastEvent: last, maxEventSoFar: progress.maxEventSoFar ?? last,
                                   eventsApplied: progress.eventsApplied,
                                   duplicatesSkipped: progress.duplicatesSkipped, positions: stream.positions.mapValues(\.rawValue),
                                   gaps: stream.gaps),
            recentEventIDs: deduplicator.recent, state: state, deduplicator: deduplicator)
        // Snapshots are a cache: failing to write one (full disk, read-only cache) costs speed only.
        try? snapshots.save(snapshot, for: projection)
    }

    private func restore(_ snapshot: ViewSnapshot<P.State>) throws {
        state = snapshot.state
        if let live = snapshot.deduplicator, live.window == deduplicator.window {
            deduplicator = live
        } else {
            deduplicator.restore(snapshot.recentEventIDs)
            snapshots?.keep(deduplicator, with: snapshot, for: projection)
        }
        stream = try makeStream(at: snapshot.header.positions.mapValues { Offset($0) })
        progress = ViewProgress(eventsApplied: snapshot.header.eventsApplied, duplicatesSkipped: snapshot.header.duplicatesSkipped,
                                lastEvent: snapshot.header.lastEvent, maxEventSoFar: snapshot.header.maxEventSoFar,
                                positions: stream.positions, gaps: snapshot.header.gaps)
    }
}
