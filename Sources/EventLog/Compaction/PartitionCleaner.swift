// `rewind compact` on one partition, as Kafka's LogCleaner cleans a log:
//
//   1. Map. Every sealed segment (never the active one) is read; each keyed record of a batch that
//      is not transactional, or whose transaction committed, sets its key's latest offset in a
//      KeyOffsetMap. Control batches give the aborted and still-open transactions.
//   2. Clean. The sealed segments before the first unstable offset (the first record of a
//      transaction with no marker yet, as Kafka stops at the LSO) are read again; a record is kept
//      if and only if it is its key's latest and is not a tombstone older than `delete.retention.ms`
//      (by its timestamp, against the `now` given). Keyless and aborted records go. Control
//      batches are kept whole; a batch that keeps every record is copied byte for byte; one that
//      keeps some is written again (RetainedBatch); one that keeps none goes. Offsets never change,
//      so the removed ones become gaps.
//   3. Group. Consecutive cleaned segments whose output fits in `segment.bytes` become one segment
//      named after the first (Kafka's `groupSegmentsBySize`); its indexes are rebuilt as the writer
//      builds them (SegmentIndexBuilder.rebuilt, sealed).
//   4. Chain. From the first rewritten segment to the end of the partition (the active segment
//      too) the `.chain` files are recomputed over the bytes now there; the head they replace is
//      kept in CompactionHistory.
//   5. Swap. Every new file is staged fsynced as `*.repairing`, then RepairJournal installs them
//      all (its header lists the crash points): the segments merged away are renamed to pending
//      names the journal deletes. A kill -9 at any point leaves the old set or the new one once the
//      next writable open has run RepairJournal.finish.
//
// The caller holds the log's writer lock and has recovered the partition (no torn tail).
enum PartitionCleaner {
    struct Settings {
        var now: Timestamp
        var deleteRetentionMs: Int64
        var minCleanableDirtyRatio: Double
        var segmentBytes: Int
        /// Clean even below the dirty ratio (`rewind compact --force`).
        var force: Bool
    }

    /// A keyed record of a transactional batch, counted once its transaction is known to commit.
    private struct PendingRecord {
        var key: [UInt8]
        var offset: Int64
        var producerId: Int64
        var tombstoneTimestamp: Int64?
    }

    static func clean(_ directory: String, topicPartition: TopicPartition, settings: Settings,
                      decompressor: BatchDecompressor) throws -> PartitionCompactionReport {
        var report = PartitionCompactionReport(topicPartition: topicPartition)
        report.finishedInterrupted = try RepairJournal.finish(in: directory)
        let bases = try FileSystem.listDirectory(directory).compactMap(Segment.baseOffset(fromFileName:)).sorted()
        report.segmentsBefore = bases.count
        report.segmentsAfter = bases.count
        guard bases.count >= 2 else {
            report.skipped = "only the active segment, which is never cleaned"
            report.cleanedUpTo = bases.first ?? 0
            return report
        }
        var decoder = BatchDecoder(decompressor: decompressor)
        let sealed = bases.dropLast().map { Segment(directory: directory, baseOffset: $0, persistsIndexes: false) }
        let active = Segment(directory: directory, baseOffset: bases[bases.count - 1], persistsIndexes: false)
        let mapped = try map(sealed, active: active, decoder: &decoder)
        let cleanable = sealed.indices.prefix { number in
            bases[number + 1] <= mapped.firstUnstableOffset
        }
        report.cleanedSegments = cleanable.count
        report.cleanedUpTo = bases[cleanable.count]
        guard !cleanable.isEmpty else {
            report.skipped = "a transaction open since offset \(mapped.firstUnstableOffset) holds the first sealed segment"
            return report
        }
        let records = cleanable.reduce(0) { $0 + mapped.recordsPerSegment[$1] }
        let survivors = mapped.keys.entries.values.reduce(0) { count, latest in
            latest.offset < report.cleanedUpTo && !expired(latest.tombstoneTimestamp, settings) ? count + 1 : count
        }
        report.dirtyRatio = records == 0 ? 0 : Double(records - survivors) / Double(records)
        if !settings.force && report.dirtyRatio < settings.minCleanableDirtyRatio {
            report.skipped = "dirty ratio \(percent(report.dirtyRatio)) is below min.cleanable.dirty.ratio \(percent(settings.minCleanableDirtyRatio))"
            return report
        }
        var rewrite = CompactionRewrite(directory: directory, bases: bases, segmentBytes: settings.segmentBytes)
        rewrite.oldHead = try lastChainEntry(of: bases, in: directory)
        for number in cleanable {
            let output = try clean(sealed[number], keys: mapped.keys, aborted: mapped.aborted, settings: settings,
                                   decoder: &decoder, report: &report)
            try rewrite.add(number, output: output.bytes, changed: output.changed)
        }
        try rewrite.flush()
        for number in cleanable.count..<bases.count {
            try rewrite.rechain(number)
        }
        guard let newHead = rewrite.running else {
            report.skipped = "nothing to remove"
            return report
        }
        if let old = rewrite.oldHead {
            let entry = CompactionHistory.Entry(compactedAtMs: settings.now.milliseconds, oldLastOffset: old.lastOffset, oldHead: old.value,
                                                newLastOffset: rewrite.lastOffset ?? old.lastOffset, newHead: newHead)
            try rewrite.stageHistory(try CompactionHistory.appending(entry, in: directory))
            report.history = entry
        }
        try RepairJournal.commit(rewrite.renames, in: directory)
        report.segmentsAfter = bases.count - rewrite.discardedSegments
        report.bytesWritten = rewrite.bytesWritten
        return report
    }

    // MARK: 1. Map

    private struct Mapped {
        var keys = KeyOffsetMap()
        var aborted = AbortedTransactions.none
        var firstUnstableOffset = Int64.max
        var recordsPerSegment: [Int] = []
    }

    /// The active segment is read for its transaction markers only: a transaction its marker ends
    /// there is decided, so its records in the sealed segments count (Kafka's LSO is the log's).
    private static func map(_ segments: [Segment], active: Segment, decoder: inout BatchDecoder) throws -> Mapped {
        var mapped = Mapped()
        var transactions = AbortedTransactions.Builder()
        var pending: [PendingRecord] = []
        for segment in segments {
            let log = try SystemFile(path: segment.logPath, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
            var records = 0
            try log.withUnsafeBytes { bytes in
                try forEachBatch(bytes, segment: segment) { batch, slice in
                    guard !batch.isLegacy else { return }
                    let header = batch.header
                    if header.isControl {
                        try transactions.add(header) { try marker(slice, path: segment.logPath, position: batch.position, decoder: &decoder) }
                        return
                    }
                    transactions.add(header) { nil }
                    _ = try decoder.forEachRecord(slice, path: segment.logPath, position: batch.position) { record, _ in
                        records += 1
                        guard let key = record.key else { return true }
                        let tombstone = record.value == nil ? record.timestamp.milliseconds : nil
                        if header.isTransactional {
                            pending.append(PendingRecord(key: Array(key), offset: record.offset.rawValue, producerId: header.producerId, tombstoneTimestamp: tombstone))
                        } else {
                            try mapped.keys.record(Array(key), offset: record.offset.rawValue, tombstoneTimestamp: tombstone, path: segment.logPath)
                        }
                        return true
                    }
                }
            }
            mapped.recordsPerSegment.append(records)
        }
        let activeLog = try SystemFile(path: active.logPath, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
        try activeLog.withUnsafeBytes { bytes in
            var failure: Error?
            _ = walkBatches(bytes, from: 0) { batch in
                guard !batch.isLegacy, batch.header.isTransactional else { return true }
                let slice = UnsafeRawBufferPointer(rebasing: bytes[batch.position..<(batch.position + batch.header.totalSize)])
                do {
                    try transactions.add(batch.header) { batch.header.isControl ? try marker(slice, path: active.logPath, position: batch.position, decoder: &decoder) : nil }
                } catch { failure = error }
                return failure == nil
            }
            if let failure { throw failure }
        }
        mapped.aborted = transactions.result
        mapped.firstUnstableOffset = transactions.open.values.min() ?? Int64.max
        for record in pending where !mapped.aborted.contains(producerId: record.producerId, offset: record.offset) {
            if let openSince = transactions.open[record.producerId], record.offset >= openSince { continue }
            try mapped.keys.record(record.key, offset: record.offset, tombstoneTimestamp: record.tombstoneTimestamp, path: segments[0].directory)
        }
        return mapped
    }

    // MARK: 2. Clean

    private static func clean(_ segment: Segment, keys: KeyOffsetMap, aborted: AbortedTransactions, settings: Settings,
                              decoder: inout BatchDecoder, report: inout PartitionCompactionReport) throws -> (bytes: [UInt8], changed: Bool) {
        let log = try SystemFile(path: segment.logPath, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
        report.bytesRead += Int64(log.count)
        var output: [UInt8] = []
        output.reserveCapacity(log.count)
        var retained = RetainedBatch()
        try log.withUnsafeBytes { bytes in
            try forEachBatch(bytes, segment: segment) { batch, slice in
                guard !batch.isLegacy, !batch.header.isControl else {
                    output.append(contentsOf: slice)
                    return
                }
                let header = batch.header
                var kept = 0
                var total = 0
                _ = try decoder.forEachRecord(slice, path: segment.logPath, position: batch.position) { record, _ in
                    total += 1
                    switch verdict(record, header: header, keys: keys, aborted: aborted, settings: settings) {
                    case .keep: kept += 1
                    case .superseded: report.supersededDropped += 1
                    case .expiredTombstone: report.tombstonesDropped += 1
                    case .aborted: report.abortedDropped += 1
                    case .keyless: report.keylessDropped += 1
                    }
                    return true
                }
                report.recordsRead += total
                report.recordsKept += kept
                if kept == total {
                    output.append(contentsOf: slice)
                } else if kept > 0 {
                    var records: [ProducerRecord] = []
                    var offsets: [Int64] = []
                    _ = try decoder.forEachRecord(slice, path: segment.logPath, position: batch.position) { record, _ in
                        if verdict(record, header: header, keys: keys, aborted: aborted, settings: settings) == .keep {
                            records.append(ProducerRecord(key: record.key.map(Array.init), value: record.value.map(Array.init),
                                                          headers: record.headers(), timestamp: record.timestamp))
                            offsets.append(record.offset.rawValue)
                        }
                        return true
                    }
                    output += retained.encode(records, offsets: offsets, original: header)
                }
            }
        }
        return (output, output != log)
    }

    enum Verdict { case keep, superseded, expiredTombstone, aborted, keyless }

    private static func verdict(_ record: RecordView, header: RecordBatchHeader, keys: KeyOffsetMap,
                                aborted: AbortedTransactions, settings: Settings) -> Verdict {
        if aborted.contains(header, offset: record.offset.rawValue) { return .aborted }
        guard let key = record.key else { return .keyless }
        guard keys.latest(Array(key))?.offset == record.offset.rawValue else { return .superseded }
        if record.value == nil && expired(record.timestamp.milliseconds, settings) { return .expiredTombstone }
        return .keep
    }

    private static func expired(_ tombstoneTimestamp: Int64?, _ settings: Settings) -> Bool {
        guard let tombstoneTimestamp else { return false }
        return tombstoneTimestamp < settings.now.milliseconds &- settings.deleteRetentionMs
    }

    // MARK: Helpers

    /// Each whole batch of a sealed segment, with its bytes; damage stops the compaction (a sealed
    /// segment of a recovered log has none unless something changed it: `rewind verify` says what).
    private static func forEachBatch(_ bytes: UnsafeRawBufferPointer, segment: Segment,
                                     _ body: (WalkedBatch, UnsafeRawBufferPointer) throws -> Void) throws {
        var failure: Error?
        let end = walkBatches(bytes, from: 0) { batch in
            let slice = UnsafeRawBufferPointer(rebasing: bytes[batch.position..<(batch.position + batch.header.totalSize)])
            do { try body(batch, slice) } catch { failure = error; return false }
            return true
        }
        if let failure { throw failure }
        switch end {
        case .end, .stopped: return
        case let .incomplete(position), let .corrupt(position, _):
            throw EventLogError(.corruptBatch, "sealed segment is damaged; nothing was compacted (run `rewind verify`, then `rewind repair`)",
                                path: segment.logPath, position: Int64(position))
        }
    }

    private static func marker(_ slice: UnsafeRawBufferPointer, path: String, position: Int, decoder: inout BatchDecoder) throws -> ControlRecord.Kind? {
        var kind: ControlRecord.Kind?
        _ = try decoder.forEachRecord(slice, path: path, position: position) { record, _ in
            kind = ControlRecord(key: record.key.map(Array.init), value: record.value.map(Array.init))?.kind
            return false
        }
        return kind
    }

    /// The last chain entry of the partition: the head a `verify --head` before now would print.
    private static func lastChainEntry(of bases: [Int64], in directory: String) throws -> ChainEntry? {
        for base in bases.reversed() {
            let segment = Segment(directory: directory, baseOffset: base, persistsIndexes: false)
            guard FileSystem.exists(segment.chainPath) else { return nil }
            guard let (_, entries) = SegmentChain.decode(try ChainRecovery.readPrefix(segment.chainPath, limit: Limits.segmentBytesMax), baseOffset: base) else { return nil }
            if let last = entries.last { return last }
        }
        return nil
    }

    private static func percent(_ ratio: Double) -> String { "\(Int((ratio * 100).rounded()))%" }
}
