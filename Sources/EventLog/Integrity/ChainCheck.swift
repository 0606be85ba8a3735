/// `verify`'s walk of one partition's hash chain: every batch is hashed onto the running value and
/// compared with its `.chain` entry, segment headers must continue the previous segment's chain,
/// and heads recorded earlier must still be on the chain. The running value always comes from the
/// bytes, so the head it ends with is what the log holds now, whatever the `.chain` files say.
struct ChainCheck {
    private let partition: TopicPartition
    private var expectations: [ChainExpectation]
    private var running = ChainValue.genesis
    private var entries: [ChainEntry]?
    private var entryIndex = 0
    private var isLastSegment = false
    private var sawChain = false
    private var brokenAt: Int64?
    private var lastOffset: Int64?
    private var unchainedTail = 0
    private var chainPath = ""

    init(partition: TopicPartition, expectations: [ChainExpectation]) {
        self.partition = partition
        self.expectations = expectations.filter { $0.partition == partition.directoryName }
    }

    mutating func begin(_ segment: Segment, isLast: Bool, logBytes: Int, into report: inout VerifyReport) {
        isLastSegment = isLast
        entryIndex = 0
        chainPath = segment.chainPath
        entries = nil
        guard FileSystem.exists(segment.chainPath) else {
            // Unchained segments before a chained one show up as a header that does not continue.
            if sawChain { fail(at: segment.baseOffset, path: segment.chainPath, position: 0, "hash chain file missing", into: &report) }
            return
        }
        guard let bytes = try? ChainRecovery.readPrefix(segment.chainPath, limit: ChainRecovery.chainBytesMax(logBytes: logBytes)),
              let (header, stored) = SegmentChain.decode(bytes, baseOffset: segment.baseOffset) else {
            fail(at: segment.baseOffset, path: segment.chainPath, position: 0, "hash chain header unreadable", into: &report)
            return
        }
        if !sawChain && lastOffset == nil {
            // The oldest segment left anchors the chain: retention may have deleted what came before.
            running = header.previous
        } else if header.previous != running {
            fail(at: segment.baseOffset, path: segment.chainPath, position: 16,
                 "hash chain does not continue from the previous segment (a segment replaced or removed?)", into: &report)
        }
        sawChain = true
        entries = stored
        let entryBytes = SegmentChain.fileSize(entries: stored.count)
        if Int64(bytes.count) - entryBytes >= Int64(ChainEntry.size) {
            fail(at: stored.last?.lastOffset ?? segment.baseOffset, path: segment.chainPath, position: entryBytes,
                 "hash chain has \(Int64(bytes.count) - entryBytes) bytes after its last entry that are not entries", into: &report)
        }
    }

    /// `alreadyReported`: the batch is known damaged (CRC, structure), so a break here is not news.
    mutating func check(_ batch: UnsafeRawBufferPointer, position: Int, header: RecordBatchHeader, path: String,
                        alreadyReported: Bool, into report: inout VerifyReport) {
        running = running.next(over: batch)
        lastOffset = header.lastOffset
        checkExpectations(offset: header.lastOffset, path: path, position: position, into: &report)
        guard let entries else { return }
        defer { entryIndex += 1 }
        guard entryIndex < entries.count else {
            if isLastSegment {
                unchainedTail += 1
            } else {
                fail(at: header.baseOffset, path: chainPath, position: SegmentChain.fileSize(entries: entryIndex),
                     "hash chain ends before its segment does", into: &report)
            }
            return
        }
        let entry = entries[entryIndex]
        if Int(entry.position) != position || Int(entry.size) != batch.count || entry.lastOffset != header.lastOffset || entry.value != running {
            if alreadyReported, brokenAt == nil {
                brokenAt = header.baseOffset
                return
            }
            fail(at: header.baseOffset, path: chainPath, position: SegmentChain.fileSize(entries: entryIndex),
                 "hash chain breaks at offset \(header.baseOffset): the batch at byte \(position) of the log is not the one chained (edited, reordered or removed batches)",
                 into: &report)
        }
    }

    /// Damage `verify` already reported and skipped: the chain breaks there (its batches can't be
    /// hashed), and the entries of the valid batches after it are matched by position again.
    mutating func skipDamage(firstOffset: Int64, resumingAt position: Int?) {
        if brokenAt == nil { brokenAt = firstOffset }
        guard let entries else { return }
        if let position, let next = entries.firstIndex(where: { Int($0.position) >= position }) {
            entryIndex = next
        } else {
            entryIndex = entries.count
        }
    }

    mutating func end(_ segment: Segment, into report: inout VerifyReport) {
        guard let entries, entryIndex < entries.count else { return }
        fail(at: entries[entryIndex].lastOffset, path: segment.chainPath, position: SegmentChain.fileSize(entries: entryIndex),
             "hash chain names \(entries.count - entryIndex) batches the log no longer has (removed batches or a truncated segment)", into: &report)
    }

    var head: ChainHead {
        let status: ChainHead.Status = if let brokenAt { .broken(offset: brokenAt) } else if sawChain { .verified } else { .unchained }
        return ChainHead(topicPartition: partition, lastOffset: lastOffset, value: running, status: status, unchainedTailBatches: unchainedTail)
    }

    /// The expectations of other partitions, plus this one's that no batch boundary matched.
    func unmetExpectations(elsewhere all: [ChainExpectation]) -> [ChainExpectation] {
        all.filter { $0.partition != partition.directoryName } + expectations
    }

    private mutating func checkExpectations(offset: Int64, path: String, position: Int, into report: inout VerifyReport) {
        guard let index = expectations.firstIndex(where: { $0.lastOffset == offset }) else { return }
        let expected = expectations.remove(at: index)
        if expected.value != running {
            report.problems.append(IntegrityProblem(path: path, position: Int64(position), affectedOffsets: nil,
                                                    message: "head recorded at offset \(offset) does not match: the log up to there changed (recorded \(expected.value.hex.prefix(16))…, now \(running.hex.prefix(16))…)"))
        } else {
            report.matchedExpectations.append(expected)
        }
    }

    /// Reports the first break of a partition only: after a removed batch every later one differs.
    private mutating func fail(at offset: Int64, path: String, position: Int64, _ message: String, into report: inout VerifyReport) {
        guard brokenAt == nil else { return }
        brokenAt = offset
        report.problems.append(IntegrityProblem(path: path, position: position, affectedOffsets: nil, message: message))
    }
}
