import Decoding
import EventLog
import Payloads
import Projections

/// Performs the explorer's effects against a log and its views, turning each into messages for
/// `update`. The only part of the explorer with I/O; everything it returns is plain data.
public final class ExplorerSession {
    public let log: EventLog
    public let snapshots: SnapshotStore
    /// The wall clock, for time expressions like -15m (injected so tests are deterministic).
    let now: () -> Timestamp
    let monotonic: () -> Double
    private var view: MaterializedView?
    private var viewIdentity = ""
    private var lastRows: [String: ViewRow] = [:]
    /// Hash-chain checks for the integrity badges, run off the input loop.
    let integrity = IntegrityMonitor()
    /// Partition summaries, loaded lazily and in parallel (see PartitionLoader).
    let partitions = PartitionLoader()
    /// Where the view is folding to, while a sync is still catching up.
    private var pendingSync: (target: FoldTarget, asOf: String)?

    /// At most this many events, and at most `viewSliceSeconds`, are folded in the key press that
    /// moved the cursor; the rest follow in slices while no key waits. A count alone did not bound
    /// the time: 1,000 events took 1 ms after a checkpoint and 3 ms after a snapshot restore on a
    /// core shared with the background verify, and the frame's rows, events page and render need
    /// ~2 ms of a 5 ms budget however far the cursor jumped …
    public var viewSliceEvents: Int64 = 1_000
    public var viewSliceSeconds = 0.001
    /// … and per idle slice afterwards (the runner sends `.idle` whenever no key is waiting, so a
    /// key that arrives waits for at most one slice) or per 100 ms tick, until the view is there.
    public var catchUpSliceEvents: Int64 = 4_000
    public var catchUpSliceSeconds = 0.002
    /// The step between two looks at the clock (~0.1 ms of folding).
    static let sliceStepEvents: Int64 = 100

    /// Longest scan one search or filter may make per key press, so input never waits long.
    static let scanEventsMax = 2_000_000

    /// Committed offsets the log keeps outside Rewind's group files (a captured broker's
    /// `__consumer_offsets`), supplied by the caller so the explorer stays format-agnostic.
    let externalGroups: () throws -> [String: [TopicPartition: Offset]]

    /// Each topic's key and value decoders (nil: bytes as stored), from the caller's schema flags
    /// and the log's `_schemas` topic.
    let decoders: (String) -> TopicDecoders?
    /// The `d` toggle: show values as stored even where a decoder exists.
    private(set) var rawValues = false

    public init(log: EventLog, snapshots: SnapshotStore, now: @escaping () -> Timestamp, monotonic: @escaping () -> Double = { 0 },
                externalGroups: @escaping () throws -> [String: [TopicPartition: Offset]] = { [:] },
                decoders: @escaping (String) -> TopicDecoders? = { _ in nil }) {
        self.externalGroups = externalGroups
        self.decoders = decoders
        self.log = log
        self.snapshots = snapshots
        self.now = now
        self.monotonic = monotonic
    }

    /// Blocks until background integrity checks are done (benchmarks, tests, a clean shutdown).
    public func waitForBackgroundChecks() {
        partitions.waitUntilIdle()
        integrity.waitUntilIdle()
    }

    /// Runs effects and feeds their messages back into `update`, at most `budget` effects a turn
    /// (what one key press or tick may cost); what is left stays in `pending` for the next turn.
    public func drain(_ pending: inout [Effect], into state: inout ExplorerState, budget: Int = 200) {
        var remaining = budget
        while !pending.isEmpty && remaining > 0 {
            let effect = pending.removeFirst()
            for message in perform(effect) {
                state.clockMs = now().milliseconds
                pending += Explorer.update(&state, message)
            }
            remaining -= 1
        }
    }

    public func perform(_ effect: Effect) -> [Message] {
        do {
            return try attempt(effect)
        } catch {
            return [.failed("\(error)")]
        }
    }

    private func attempt(_ effect: Effect) throws -> [Message] {
        switch effect {
        case .quit: return []
        case .stage: return [] // the demo stages lessons itself (ExplorerRunner hands it these)
        case let .focusBackground(topic):
            focusBackground(topic)
            return []
        case let .setRawValues(raw):
            rawValues = raw
            return []
        case .loadTopics: return [try loadTopics()]
        case let .loadEvents(topic, partition, around, count, filter):
            return [try loadEvents(topic, partition, around: around, count: count, filter: filter)]
        case let .loadTimeline(topic, buckets): return [try loadTimeline(topic, buckets: buckets)]
        case let .seekTime(topic, partition, expression):
            let time = try TimeExpression.parse(expression, now: now())
            return [try resolve(topic, partition, try partitionLog(topic, partition).offset(forTimestamp: time), note: "at or after \(TimeFormat.iso(time))")]
        case let .scrub(topic, partition, from, delta):
            let log = try partitionLog(topic, partition)
            guard let current = try log.read(from: Offset(from), maxRecords: 1).first else { return [] }
            let time = current.timestamp.adding(milliseconds: delta)
            return [try resolve(topic, partition, try log.offset(forTimestamp: time), note: "\(delta < 0 ? "back" : "forward") to \(TimeFormat.iso(time))")]
        case let .gotoOffset(topic, partition, offset):
            let target = try partitionLog(topic, partition)
            let end = try target.endOffset().rawValue
            guard offset >= target.startOffset.rawValue, offset < end else {
                return [.failed("offset \(offset) is outside \(topic)-\(partition) (\(target.startOffset)..<\(end))")]
            }
            return [try resolve(topic, partition, Offset(offset), note: "")]
        case let .search(topic, partition, from, query, forward):
            let found = try search(try partitionLog(topic, partition), from: from, query: query, forward: forward)
            guard let found else { return [.failed("no \(forward ? "later" : "earlier") event matches '\(query)'")] }
            return [try resolve(topic, partition, Offset(found), note: "match for '\(query)' at offset \(found)")]
        case let .loadDetail(topic, partition, offset):
            guard let record = try partitionLog(topic, partition).read(from: Offset(offset), maxRecords: 1).first, record.offset.rawValue == offset else {
                return [.failed("no event at offset \(offset)")]
            }
            let target = try partitionLog(topic, partition)
            let aborted = try record.batch.isTransactional && target.abortedTransactions().contains(producerId: record.batch.producerId, offset: offset)
            return [.detailLoaded(EventDetail.lines(record, topic: topic, partition: partition, decoders: activeDecoders(topic), aborted: aborted))]
        case let .syncView(name, topic, partition, offset):
            let view = try openView(name, topic)
            guard let record = try partitionLog(topic, partition).read(from: Offset(offset), maxRecords: 1).first else { return [] }
            let target = FoldTarget.event(MergeKey(timestamp: record.timestamp.milliseconds, partition: partition, offset: record.offset.rawValue))
            let asOf = "p\(partition)@\(record.offset) \(Explorer.shortTime(record.timestamp.milliseconds))"
            let started = monotonic()
            var done = try view.rewind(to: target, maxEvents: min(viewSliceEvents, Self.sliceStepEvents))
            if !done { done = try fold(view, to: target, upTo: viewSliceEvents - Self.sliceStepEvents, seconds: viewSliceSeconds, since: started) }
            pendingSync = done ? nil : (target, asOf)
            return [try viewMessage(view, topic, asOf: asOf, finished: false, catchingUp: !done)]
        case .continueViewSync:
            guard let view, let pending = pendingSync else { return [] }
            let done = try fold(view, to: pending.target, upTo: catchUpSliceEvents, seconds: catchUpSliceSeconds, since: monotonic())
            if done { pendingSync = nil }
            return [try viewMessage(view, view.topic, asOf: pending.asOf, finished: false, catchingUp: !done)]
        case let .startRebuild(name, topic):
            let view = try openView(name, topic)
            try view.reset()
            lastRows = [:]
            pendingSync = nil
            return [try viewMessage(view, topic, asOf: "", finished: false)]
        case let .rebuildStep(events):
            guard let view else { return [] }
            let topic = view.topic
            try view.run(to: .end, maxEvents: Int64(events))
            let caughtUp = try view.lag().values.allSatisfy { $0 == 0 }
            return [try viewMessage(view, topic, asOf: "", finished: caughtUp)]
        case let .loadLineage(name, topic, key, partition, offset):
            let view = try openView(name, topic)
            guard let record = try partitionLog(topic, partition).read(from: Offset(offset), maxRecords: 1).first else { return [] }
            let target = FoldTarget.event(MergeKey(timestamp: record.timestamp.milliseconds, partition: partition, offset: record.offset.rawValue))
            let wholeRows = view.viewID.hasPrefix(TableProjection.name)
            let rows = try view.lineage(of: key, to: target).map { entry in
                ExplorerState.LineageRow(
                    partition: entry.event.partition, offset: entry.event.offset, timestamp: entry.event.timestamp,
                    before: LineageEntry.text(of: entry.before, columns: entry.columns, wholeRow: wholeRows),
                    after: LineageEntry.text(of: entry.after, columns: entry.columns, wholeRow: wholeRows),
                    delta: entry.delta.map { $0 >= 0 ? "+" + ViewValue.double($0).description : ViewValue.double($0).description } ?? "",
                    summary: (entry.change.map { $0 + " " } ?? "") + EventPreview.oneLine(Array(entry.value.utf8), limit: 160), duplicate: entry.duplicate)
            }
            return [.lineageLoaded(key: key, rows: rows)]
        }
    }

    // MARK: Loading

    private func partitionLog(_ topic: String, _ partition: Int32) throws -> PartitionLog {
        try log.partition(TopicPartition(topic: topic, partition: partition))
    }

    private func resolve(_ topic: String, _ partition: Int32, _ offset: Offset, note: String) throws -> Message {
        let target = try partitionLog(topic, partition)
        let end = try target.endOffset().rawValue
        let clamped = max(target.startOffset.rawValue, min(offset.rawValue, end - 1))
        let index = try log.partitions(of: topic).firstIndex { $0.topicPartition.partition == partition }
        let suffix = offset.rawValue >= end ? " (none: showing the last event)" : ""
        return .cursorResolved(partitionIndex: index, offset: clamped, note: note.isEmpty ? "" : note + suffix)
    }

    func loadTopics() throws -> Message {
        var topics: [ExplorerState.TopicEntry] = []
        // Broker-internal topics (__consumer_offsets, __transaction_state) after the data topics.
        let all = log.topics()
        let infos = all.filter({ !$0.name.hasPrefix("__") }) + all.filter({ $0.name.hasPrefix("__") })
        let ids = infos.map { log.partitionIDs(of: $0.name) }
        // Read now: partitions read before (their summaries are cheap and may have grown), every
        // partition of a topic the pane lists in full, and the first of a collapsed one (what the
        // first frame shows when the cursor lands there). The rest load in the background, and a
        // captured broker dir does not even open them (list their directories) before that.
        var wanted: [PartitionLog] = []
        for topicIDs in ids {
            for (index, id) in topicIDs.enumerated()
            where index == 0 || topicIDs.count <= ExplorerState.partitionsShownMax || partitions.isLoaded(id) {
                // One unreadable partition dir of a capture stays "loading…"; the rest still show.
                if let partition = try? log.partition(id) { wanted.append(partition) }
            }
        }
        var summaries: [TopicPartition: (PartitionLog, PartitionSummary)] = [:]
        for (partition, summary) in zip(wanted, partitions.summarize(wanted)) { if let summary { summaries[summary.topicPartition] = (partition, summary) } }
        for (info, topicIDs) in zip(infos, ids) {
            let entries = topicIDs.map { id -> ExplorerState.PartitionEntry in
                guard let loaded = summaries[id] else {
                    return ExplorerState.PartitionEntry(partition: id.partition, startOffset: 0, endOffset: 0, bytes: 0,
                                                        firstTimestamp: nil, lastTimestamp: nil, integrity: .checking, isLoaded: false)
                }
                let (partition, summary) = loaded
                return ExplorerState.PartitionEntry(partition: partition.topicPartition.partition, startOffset: summary.startOffset.rawValue,
                                                    endOffset: summary.endOffset.rawValue, bytes: summary.sizeInBytes,
                                                    firstTimestamp: summary.firstTimestamp?.milliseconds, lastTimestamp: summary.largestTimestamp?.milliseconds,
                                                    integrity: integrity.integrity(of: partition, in: log, endOffset: summary.endOffset.rawValue, now: monotonic()))
            }
            let retention = info.config.map { $0.retentionMs == 0 ? "forever" : Self.duration($0.retentionMs) } ?? "unknown"
            topics.append(ExplorerState.TopicEntry(name: info.name, retention: retention, partitions: entries))
        }
        var followers: [ExplorerState.Follower] = []
        for group in try log.groups.list() where !group.hasPrefix("view.") {
            let lags = try log.lag(of: group)
            guard !lags.isEmpty else { continue }
            let topic = lags[0].topicPartition.topic
            followers.append(ExplorerState.Follower(name: "\(group) → \(topic)", position: lags.reduce(0) { $0 + ($1.committed?.rawValue ?? 0) },
                                                    end: lags.reduce(0) { $0 + $1.endOffset.rawValue }))
        }
        for (group, commits) in try externalGroups().sorted(by: { $0.key < $1.key }) {
            var position: Int64 = 0, end: Int64 = 0
            for (partition, offset) in commits {
                guard let target = try? log.partition(partition) else { continue }
                position += offset.rawValue
                end += try target.endOffset().rawValue
            }
            let topic = commits.keys.map(\.topic).min() ?? ""
            followers.append(ExplorerState.Follower(name: "\(group) → \(topic)", position: position, end: end))
        }
        return .topicsLoaded(topics, followers: followers)
    }

    func loadEvents(_ topic: String, _ partition: Int32, around: Int64, count: Int, filter: String?) throws -> Message {
        let target = try partitionLog(topic, partition)
        let start = target.startOffset.rawValue, end = try target.endOffset().rawValue
        guard end > start else { return .eventsLoaded(rows: [], cursor: start) }
        let cursor = max(start, min(around, end - 1))
        var records: [Record]
        if let filter {
            let matcher = EventMatcher(filter, decoder: activeDecoders(topic)?.value)
            var after: [Record] = []
            var scanned = 0
            try target.forEachRecord(from: Offset(cursor)) { view, batch in
                scanned += 1
                if matcher.matches(view) { after.append(view.materialize(batch: batch.info)) }
                return after.count < count && scanned < Self.scanEventsMax
            }
            let before = try scanBackward(target, from: cursor - 1, wanted: max(0, count - after.count), matcher: matcher)
            records = before + after
            let chosen = after.first?.offset.rawValue ?? before.last?.offset.rawValue ?? cursor
            let aborted = try abortedTransactions(target, for: records)
            return .eventsLoaded(rows: records.map { row($0, partition, activeDecoders(topic), aborted) }, cursor: chosen)
        }
        let first = max(start, min(cursor - Int64(count / 2), end - Int64(count)))
        records = try target.read(from: Offset(first), maxRecords: count)
        var chosen = records.first { $0.offset.rawValue >= cursor }?.offset.rawValue ?? records.last?.offset.rawValue ?? cursor
        if records.isEmpty { chosen = cursor }
        let aborted = try abortedTransactions(target, for: records)
        return .eventsLoaded(rows: records.map { row($0, partition, activeDecoders(topic), aborted) }, cursor: chosen)
    }

    /// Which of `records` belong to aborted transactions. Finding out walks every batch header of
    /// the partition (a broker's `.txnindex` is not trusted), which on a cold page cache reads the
    /// whole file (0.35 s of the 10M-event log's first frame, 0.55 s of a 1.2 GB capture's): rows
    /// without a transactional batch need none of it.
    private func abortedTransactions(_ target: PartitionLog, for records: [Record]) throws -> AbortedTransactions {
        guard records.contains(where: { $0.batch.isTransactional }) else { return .none }
        return try target.abortedTransactions()
    }

    /// The topic's decoders unless the user asked for values as stored.
    private func activeDecoders(_ topic: String) -> TopicDecoders? { rawValues ? nil : decoders(topic) }

    /// Up to `wanted` matching records before `from`, oldest first, reading backwards in chunks.
    private func scanBackward(_ target: PartitionLog, from: Int64, wanted: Int, matcher: EventMatcher) throws -> [Record] {
        var found: [Record] = []
        var upper = from
        var scanned = 0
        let chunk: Int64 = 4096
        while found.count < wanted, upper >= target.startOffset.rawValue, scanned < Self.scanEventsMax {
            let lower = max(target.startOffset.rawValue, upper - chunk + 1)
            var batch: [Record] = []
            try target.forEachRecord(from: Offset(lower)) { view, context in
                guard view.offset.rawValue <= upper else { return false }
                scanned += 1
                if matcher.matches(view) { batch.append(view.materialize(batch: context.info)) }
                return true
            }
            found = batch.suffix(wanted - found.count) + found
            upper = lower - 1
        }
        return found
    }

    private func row(_ record: Record, _ partition: Int32, _ decoders: TopicDecoders?, _ aborted: AbortedTransactions) -> ExplorerState.EventRow {
        let value = record.value.map { EventPreview.oneLine($0, limit: 300, decoder: decoders?.value) } ?? "∅ (tombstone)"
        let isAborted = record.batch.isTransactional && aborted.contains(producerId: record.batch.producerId, offset: record.offset.rawValue)
        return ExplorerState.EventRow(partition: partition, offset: record.offset.rawValue, timestamp: record.timestamp.milliseconds,
                                      key: record.key.map { EventPreview.oneLine($0, limit: 40, decoder: decoders?.key) } ?? "∅",
                                      preview: record.batch.isControl ? "⟨transaction marker: \(ControlRecord(key: record.key, value: record.value).map(\.description) ?? "unreadable")⟩"
                                          : isAborted ? "⟨aborted⟩ " + value : value,
                                      isControl: record.batch.isControl || isAborted)
    }

    func loadTimeline(_ topic: String, buckets: Int) throws -> Message {
        // Partitions still loading in the background join the timeline when they are loaded.
        let loaded = try log.partitionIDs(of: topic).filter { partitions.isLoaded($0) }.map { try log.partition($0) }
        let perPartition = ParallelReads.map(loaded.count) { index in Result { try Self.timelineSamples(loaded[index]) } }
        var samples: [(Int64, Int64)] = [] // (timestamp, events it stands for)
        for result in perPartition { samples += try result.get() }
        guard let first = samples.map(\.0).min(), let last = samples.map(\.0).max() else { return .timelineLoaded(buckets: [], start: 0, end: 0) }
        var counts = [Int](repeating: 0, count: max(1, buckets))
        let span = max(1, last - first + 1)
        for (time, weight) in samples { counts[min(counts.count - 1, Int((time - first) * Int64(counts.count) / span))] += Int(weight) }
        return .timelineLoaded(buckets: counts, start: first, end: last)
    }

    /// (timestamp, events it stands for) points of one partition: every record of a small one; the
    /// time index of a large one, each entry standing for the offsets since the previous entry.
    /// The time index is read with the segment's load anyway; batch headers spread over the log
    /// were one random read each on a cold page cache (0.5 s of the 10M-event log's first frame).
    static func timelineSamples(_ partition: PartitionLog) throws -> [(Int64, Int64)] {
        var samples: [(Int64, Int64)] = []
        let start = partition.startOffset.rawValue
        if try partition.endOffset().rawValue - start <= 50_000 {
            try partition.forEachRecord(from: Offset(start)) { record, _ in
                samples.append((record.timestamp.milliseconds, 1))
                return true
            }
            return samples
        }
        var previous = start - 1
        for sample in try partition.timeIndexSamples() where sample.offset > previous {
            samples.append((sample.timestamp, sample.offset - previous))
            previous = sample.offset
        }
        return samples
    }

    /// Loads the topic's other partitions, then lets the integrity checks of its partitions start;
    /// both stop for the topic the user left.
    private func focusBackground(_ topic: String) {
        integrity.focus(topic: nil)
        let log = log, integrity = integrity, now = monotonic()
        partitions.focus(topic: topic, in: log) { topicLogs in
            integrity.focus(topic: topic)
            for partition in topicLogs {
                guard let end = try? partition.endOffset().rawValue else { continue }
                _ = integrity.integrity(of: partition, in: log, endOffset: end, now: now)
            }
        }
    }

    // MARK: Views

    private func openView(_ chosen: String, _ topic: String) throws -> MaterializedView {
        // Unless the user chose a view, each topic gets the one that fits it (issue #15: `table`
        // instead of an empty `balances` on `_schemas` or orders).
        let name = chosen == ViewCatalog.automaticName ? try ViewCatalog.fitting(log: log, topic: topic, decoder: decoders(topic)?.value) : chosen
        let identity = name + "\u{0}" + topic
        if let view, viewIdentity == identity { return view }
        // Snapshots every 20k events: stepping back replays at most ~3 ms of events.
        let opened = try ViewCatalog.open(name, log: log, topic: topic, snapshots: snapshots, snapshotEveryEvents: 20_000, clock: monotonic,
                                          decoder: decoders(topic)?.value)
        view = opened
        viewIdentity = identity
        lastRows = [:]
        return opened
    }

    /// Folds toward `target` in steps until it is reached (true), `events` are folded, or
    /// `seconds` have passed since `started` on the monotonic clock.
    private func fold(_ view: MaterializedView, to target: FoldTarget, upTo events: Int64, seconds: Double, since started: Double) throws -> Bool {
        var left = events
        while left > 0 {
            let step = min(left, Self.sliceStepEvents)
            if try view.run(to: target, maxEvents: step) < step { return true }
            left -= step
            if monotonic() - started >= seconds { break }
        }
        return false
    }

    private func viewMessage(_ view: MaterializedView, _ topic: String, asOf: String, finished: Bool, catchingUp: Bool = false) throws -> Message {
        let rows = view.rows()
        var changed: [String] = []
        var current: [String: ViewRow] = [:]
        for row in rows {
            current[row.key] = row
            if let before = lastRows[row.key], before == row { continue }
            if !lastRows.isEmpty || view.progress.eventsApplied < 50 { changed.append(row.key) }
        }
        lastRows = current
        var end: Int64 = 0
        for partition in try log.partitions(of: topic) { end += try partition.endOffset().rawValue }
        let position = view.progress.positions.values.reduce(0) { $0 + $1.rawValue }
        return .viewLoaded(columns: view.columns, rows: rows, changed: changed, applied: view.progress.eventsApplied,
                           duplicates: view.progress.duplicatesSkipped, asOf: asOf,
                           follower: ExplorerState.Follower(name: "view \(view.viewID) → \(topic)", position: position, end: end),
                           finishedRebuild: finished, catchingUp: catchingUp)
    }

    // MARK: Search

    func search(_ target: PartitionLog, from: Int64, query: String, forward: Bool) throws -> Int64? {
        let matcher = EventMatcher(query, decoder: activeDecoders(target.topicPartition.topic)?.value)
        if forward {
            var found: Int64?
            var scanned = 0
            try target.forEachRecord(from: Offset(max(from, target.startOffset.rawValue))) { view, _ in
                scanned += 1
                if matcher.matches(view) { found = view.offset.rawValue; return false }
                return scanned < Self.scanEventsMax
            }
            return found
        }
        return try scanBackward(target, from: from, wanted: 1, matcher: matcher).last?.offset.rawValue
    }

    static func duration(_ milliseconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}

/// What `/` and `f` match: `field=value` compares a top-level JSON field's text; anything else
/// matches the key exactly or appears in the value (ignoring ASCII case). With a decoder, Avro and
/// Protobuf values are matched on their decoded JSON text.
struct EventMatcher {
    let field: [UInt8]?
    let expected: String
    let needle: [UInt8]
    let decoder: ValueDecoder?

    init(_ query: String, decoder: ValueDecoder? = nil) {
        self.decoder = decoder.flatMap { $0.mayTransform ? $0 : nil }
        if let equals = query.firstIndex(of: "="), equals != query.startIndex {
            field = Array(query[..<equals].utf8)
            expected = String(query[query.index(after: equals)...])
        } else {
            field = nil
            expected = query
        }
        needle = Array(query.lowercased().utf8)
    }

    func matches(_ record: RecordView) -> Bool {
        if let decoder {
            var decoded: [UInt8] = []
            if decoder.transform(record.value, scratch: &decoded) {
                return decoded.withUnsafeBytes { matches(key: record.key, value: $0) }
            }
        }
        return matches(key: record.key, value: record.value)
    }

    private func matches(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?) -> Bool {
        if let field {
            guard let value, let raw = field.withUnsafeBytes({ JSONScanner.member($0, in: value) }) else { return false }
            let text = raw.first == UInt8(ascii: "\"") ? JSONScanner.decodeString(raw) : String(decoding: raw, as: UTF8.self)
            return text == expected
        }
        if let key, key.elementsEqual(expected.utf8) { return true }
        guard let value, !needle.isEmpty, value.count >= needle.count else { return false }
        let first = needle[0]
        for start in 0...(value.count - needle.count) {
            guard lower(value[start]) == first else { continue }
            var index = 1
            while index < needle.count && lower(value[start + index]) == needle[index] { index += 1 }
            if index == needle.count { return true }
        }
        return false
    }

    private func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}
