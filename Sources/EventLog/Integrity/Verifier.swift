/// A problem `verify` found, with where it is and which offsets it affects.
public struct IntegrityProblem: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var position: Int64
    /// Offsets that can't be read because of it (nil when unknown: the batch header itself is bad).
    public var affectedOffsets: ClosedRange<Int64>?
    public var message: String

    public var description: String {
        var text = "\(path) at byte \(position): \(message)"
        if let affectedOffsets { text += " (offsets \(affectedOffsets.lowerBound)...\(affectedOffsets.upperBound))" }
        return text
    }
}

/// What `verify` read and found.
public struct VerifyReport: Sendable {
    public var partitions = 0
    public var segments = 0
    public var batches = 0
    public var records = 0
    public var bytes: Int64 = 0
    public var problems: [IntegrityProblem] = []
    /// Index files that did not match their log (rebuilt in memory for this run).
    public var staleIndexes: [String] = []
    /// Incomplete batches at the end of a partition: a torn write, or one in progress.
    public var incompleteTails: [String] = []
    /// Damaged ranges `rewind repair` moved beside their segments (`*.log.corrupt-*`): the offsets
    /// they held are a gap in the log.
    public var quarantined: [String] = []
    /// Each partition's hash chain as recomputed from its bytes.
    public var heads: [ChainHead] = []
    /// Heads recorded earlier that the log still passes through.
    public var matchedExpectations: [ChainExpectation] = []
}

/// A partition's chain head recomputed from the log's bytes, and what the stored chain said of it.
public struct ChainHead: Hashable, Sendable, CustomStringConvertible {
    public enum Status: Hashable, Sendable {
        /// Every batch hashed to the value its `.chain` entry recorded.
        case verified
        /// No `.chain` files (a Kafka capture, or a log written before chains): the head is still
        /// computed from the bytes, so it can be recorded and checked later.
        case unchained
        /// The first batch whose link differs from the stored chain.
        case broken(offset: Int64)
    }

    public var topicPartition: TopicPartition
    /// The last offset of the last batch hashed; nil for an empty partition.
    public var lastOffset: Int64?
    public var value: ChainValue
    public var status: Status
    /// Batches at the end of the active segment not yet in its `.chain` (an append in progress).
    public var unchainedTailBatches: Int

    /// The form `verify --head` prints and `verify --expect` takes.
    public var description: String { "\(topicPartition):\(lastOffset ?? -1):\(value.hex)" }
}

/// A head recorded earlier: after the batch ending at `lastOffset`, the chain must equal `value`.
public struct ChainExpectation: Hashable, Sendable {
    public var partition: String
    public var lastOffset: Int64
    public var value: ChainValue

    /// Parses `TOPIC-PARTITION:LAST-OFFSET:HEX` (what `--head` prints).
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let offset = Int64(parts[1]), let value = ChainValue(hex: String(parts[2])) else {
            throw EventLogError(.invalidArgument, "expected head '\(text)' is not TOPIC-PARTITION:LAST-OFFSET:64-HEX-DIGITS (as `verify --head` prints)")
        }
        partition = String(parts[0])
        lastOffset = offset
        self.value = value
    }
}

/// Reads every byte of every segment: each batch's CRC and records, offset order across batches
/// and segments, whether the index files agree with the log, and the hash chain (ChainValue) of
/// every batch against the `.chain` files and any heads recorded earlier. Keeps going after a
/// problem (to the next batch when the length field is intact, else to the next segment) so one run
/// reports every problem. Never writes.
public enum Verifier {
    public static func verify(_ log: EventLog, expecting expectations: [ChainExpectation] = []) throws -> VerifyReport {
        var report = VerifyReport()
        var unmet = expectations
        for topic in log.topics() {
            for partition in try log.partitions(of: topic.name) {
                try verify(partition, log: log, expecting: &unmet, into: &report)
            }
        }
        for expectation in unmet {
            report.problems.append(IntegrityProblem(path: log.directory, position: 0, affectedOffsets: nil,
                                                    message: "recorded head \(expectation.partition):\(expectation.lastOffset) can't be checked: no batch of that partition ends at that offset"))
        }
        return report
    }

    /// One partition (the explorer's integrity badge checks them one at a time).
    public static func verify(_ partition: PartitionLog, log: EventLog, expecting expectations: [ChainExpectation] = []) throws -> VerifyReport {
        var report = VerifyReport()
        var unmet = expectations
        try verify(partition, log: log, expecting: &unmet, into: &report)
        return report
    }

    static func verify(_ partition: PartitionLog, log: EventLog, expecting expectations: inout [ChainExpectation],
                       into report: inout VerifyReport) throws {
        report.partitions += 1
        var decoder = BatchDecoder(decompressor: log.decompressor)
        var expectedNext: Int64?
        // Heads recorded before a compaction are checked as the heads it replaced them with.
        let compactions = (try? CompactionHistory.load(from: partition.directory)) ?? []
        expectations = expectations.map { $0.partition == partition.topicPartition.directoryName ? CompactionHistory.translate($0, through: compactions) : $0 }
        let mayHaveGaps = !log.isRewindLog || partition.config.policy.compacts || !compactions.isEmpty
        var chain = ChainCheck(partition: partition.topicPartition, expectations: expectations)
        let segments = partition.segmentSnapshot()
        for name in (try? FileSystem.listDirectory(partition.directory)) ?? [] where name.contains(".log.corrupt-") {
            let path = partition.directory + "/" + name
            report.quarantined.append("\(path) (\((try? FileSystem.fileSize(path)) ?? 0) bytes moved out of \(name.prefix { $0 != "." }).log by `rewind repair`)")
        }
        for (number, segment) in segments.enumerated() {
            report.segments += 1
            let file = try SystemFile(path: segment.logPath, mode: .readOnly)
            let map = try MappedFile(file: file, count: Int(try file.size()))
            let state = try segment.prepared()
            if state.indexRepaired { report.staleIndexes.append(segment.indexPath) }
            chain.begin(segment, isLast: number == segments.count - 1, logBytes: map.count, into: &report)
            var position = 0
            let bytes = map.bytes
            let chainPositions = BatchResync.chainPositions(of: segment, logBytes: bytes.count)
            /// Damage from `start`: valid data resumes at the next valid batch (reported as a
            /// damaged range, never as a tail), or the segment ends in it. Returns where to go on.
            func skipDamage(from start: Int, reason: String, torn: Bool) -> Int {
                if let found = BatchResync.nextValidBatch(in: bytes, after: start, chainPositions: chainPositions) {
                    let first = expectedNext ?? segment.baseOffset
                    let affected = found.header.baseOffset > first ? first...(found.header.baseOffset - 1) : nil
                    report.problems.append(IntegrityProblem(path: segment.logPath, position: Int64(start), affectedOffsets: affected,
                                                            message: "damaged bytes \(start)..<\(found.position) (\(reason)); valid batches resume at byte \(found.position), offset \(found.header.baseOffset)"))
                    chain.skipDamage(firstOffset: first, resumingAt: found.position)
                    return found.position
                }
                if torn && number == segments.count - 1 {
                    report.incompleteTails.append("\(segment.logPath) at byte \(start): \(bytes.count - start) bytes of an incomplete batch")
                } else {
                    report.problems.append(IntegrityProblem(path: segment.logPath, position: Int64(start), affectedOffsets: nil,
                                                            message: torn ? "segment ends inside a batch" : reason + "; no valid batch follows in the segment"))
                }
                return bytes.count
            }
            while position < bytes.count {
                var batchEnd: Int?
                let end = walkBatches(bytes, from: position) { batch in
                    batchEnd = batch.position + batch.header.totalSize
                    return false
                }
                switch end {
                case .end: position = bytes.count; continue
                case let .incomplete(at):
                    position = skipDamage(from: at, reason: "a batch that runs past the end of the file", torn: true)
                    continue
                case let .corrupt(at, reason):
                    position = skipDamage(from: at, reason: reason, torn: false)
                    continue
                case .stopped: break
                }
                guard let batchEnd else { break }
                let header = try RecordBatchHeader(parsingPrefixAt: position, of: bytes, path: segment.logPath)
                let affected = header.baseOffset...max(header.baseOffset, header.lastOffset)
                let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<batchEnd])
                // A batch that fails its CRC may have a damaged length: if the position its length
                // gives is not where a valid batch (or the end) is, resynchronise instead of trusting it.
                if let failure = Self.validationFailure(slice), batchEnd < bytes.count, BatchResync.validBatch(in: bytes, at: batchEnd) == nil,
                   BatchResync.nextValidBatch(in: bytes, after: position, chainPositions: chainPositions) != nil {
                    position = skipDamage(from: position, reason: failure, torn: false)
                    continue
                }
                let problemsBefore = report.problems.count
                if let expected = expectedNext, header.baseOffset < expected {
                    report.problems.append(IntegrityProblem(path: segment.logPath, position: Int64(position), affectedOffsets: affected,
                                                            message: "offsets go back: batch starts at \(header.baseOffset), expected ≥ \(expected)"))
                }
                do {
                    var count = 0
                    _ = try decoder.forEachRecord(slice, path: segment.logPath, position: position) { _, _ in
                        count += 1
                        return true
                    }
                    report.records += count
                } catch let error as EventLogError where error.code == .unsupportedCodec || error.code == .unsupportedFormat {
                    // Can't look inside; the batch is not known to be damaged.
                    report.records += Int(header.recordCount)
                } catch let error as EventLogError {
                    report.problems.append(IntegrityProblem(path: segment.logPath, position: Int64(position), affectedOffsets: affected,
                                                            message: error.message))
                }
                chain.check(slice, position: position, header: header, path: segment.logPath,
                            alreadyReported: report.problems.count > problemsBefore, into: &report)
                report.batches += 1
                report.bytes += Int64(batchEnd - position)
                expectedNext = header.lastOffset + 1
                position = batchEnd
            }
            // Rewind rolls at the previous end, so in its own uncompacted logs a segment that stops
            // short of the next one lost its tail (compacted and Kafka logs have compaction gaps).
            if !mayHaveGaps, number + 1 < segments.count, let end = expectedNext, end < segments[number + 1].baseOffset {
                report.problems.append(IntegrityProblem(path: segment.logPath, position: Int64(bytes.count), affectedOffsets: end...(segments[number + 1].baseOffset - 1),
                                                        message: "segment ends before the next one begins: offsets missing (a truncated segment?)"))
            }
            chain.end(segment, into: &report)
        }
        report.heads.append(chain.head)
        expectations = chain.unmetExpectations(elsewhere: expectations)
    }

    /// Why `batch` fails `RecordBatch.validate`, or nil when it passes.
    private static func validationFailure(_ batch: UnsafeRawBufferPointer) -> String? {
        do {
            _ = try RecordBatch.validate(batch)
            return nil
        } catch {
            return "\(error)"
        }
    }
}
