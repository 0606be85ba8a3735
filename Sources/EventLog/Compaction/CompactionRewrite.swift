/// Steps 3 and 4 of PartitionCleaner: groups cleaned segments, stages their files and recomputes
/// the chain from the first rewritten segment on. Nothing is installed here: `renames` is what
/// RepairJournal.commit then installs in one step.
struct CompactionRewrite {
    let directory: String
    let bases: [Int64]
    let segmentBytes: Int
    /// The renames that install the new file set.
    private(set) var renames: [(from: String, to: String)] = []
    /// The chain value after the last restaged segment; nil while every segment so far is unchanged.
    private(set) var running: ChainValue?
    /// The last offset of the last batch restaged (the new head's offset).
    private(set) var lastOffset: Int64?
    private(set) var discardedSegments = 0
    private(set) var bytesWritten: Int64 = 0
    var oldHead: ChainEntry?

    /// The group being filled: segment numbers, their cleaned bytes, whether any of them changed.
    private var members: [Int] = []
    private var bytes: [UInt8] = []
    private var changed = false

    init(directory: String, bases: [Int64], segmentBytes: Int) {
        self.directory = directory
        self.bases = bases
        self.segmentBytes = segmentBytes
    }

    /// Adds cleaned segment `number`, starting a new group when it would not fit in this one (by
    /// size, or because the index's 32-bit relative offsets would not reach its last offset).
    mutating func add(_ number: Int, output: [UInt8], changed segmentChanged: Bool) throws {
        if let first = members.first {
            let span = (number + 1 < bases.count ? bases[number + 1] : Int64.max) - bases[first]
            if bytes.count + output.count > segmentBytes || span > Int64(Int32.max) { try flush() }
        }
        members.append(number)
        bytes += output
        changed = changed || segmentChanged
    }

    /// Stages the group being filled, if it differs from what is on disk or follows a change.
    mutating func flush() throws {
        defer { members = []; bytes = []; changed = false }
        guard let first = members.first else { return }
        let rewritten = changed || members.count > 1
        guard rewritten || running != nil else { return }
        let previous = try running ?? chainStart(at: first)
        let segment = Segment(directory: directory, baseOffset: bases[first], persistsIndexes: false)
        if rewritten {
            let index = bytes.withUnsafeBytes { SegmentIndexBuilder.rebuilt(from: $0, baseOffset: segment.baseOffset, sealed: true).index }.fileBytes
            try stage(bytes, as: segment.logPath)
            try stage(index.offsets, as: segment.indexPath)
            try stage(index.times, as: segment.timeIndexPath)
            bytesWritten += Int64(bytes.count)
        }
        try chain(bytes, of: segment, previous: previous)
        for number in members.dropFirst() {
            let merged = Segment(directory: directory, baseOffset: bases[number], persistsIndexes: false)
            for path in [merged.logPath, merged.indexPath, merged.timeIndexPath, merged.chainPath] where FileSystem.exists(path) {
                renames.append(RepairJournal.discard(FileSystem.lastComponent(of: path)))
            }
            discardedSegments += 1
        }
    }

    /// Recomputes the chain of an uncleaned segment `number` (after a rewritten one, its chain
    /// enters at a new value).
    mutating func rechain(_ number: Int) throws {
        guard running != nil else { return }
        let segment = Segment(directory: directory, baseOffset: bases[number], persistsIndexes: false)
        let log = try SystemFile(path: segment.logPath, mode: .readOnly).readAll(limit: Limits.segmentBytesMax)
        try chain(log, of: segment, previous: running!)
    }

    /// Where the chain enters segment `number`: its header's value (the chain before it does not
    /// change). An I/O error fails the compaction: a guessed value would install a broken chain.
    private func chainStart(at number: Int) throws -> ChainValue {
        let segment = Segment(directory: directory, baseOffset: bases[number], persistsIndexes: false)
        if FileSystem.exists(segment.chainPath),
           let (header, _) = SegmentChain.decode(try ChainRecovery.readPrefix(segment.chainPath, limit: ChainHeader.size), baseOffset: segment.baseOffset) {
            return header.previous
        }
        return PartitionRepair.chainStart(of: bases, at: number, in: directory)
    }

    private mutating func chain(_ log: [UInt8], of segment: Segment, previous: ChainValue) throws {
        let chain = log.withUnsafeBytes { SegmentChain.rebuilt(for: $0, baseOffset: segment.baseOffset, previous: previous) }
        try stage(chain.bytes, as: segment.chainPath)
        running = chain.end
        if let last = SegmentChain.decode(chain.bytes, baseOffset: segment.baseOffset)?.1.last { lastOffset = last.lastOffset }
    }

    /// Stages the new `compaction.heads` with the rest.
    mutating func stageHistory(_ content: [UInt8]) throws {
        try stage(content, as: directory + "/" + CompactionHistory.fileName)
    }

    private mutating func stage(_ content: [UInt8], as path: String) throws {
        renames.append(try RepairJournal.stage(content, as: FileSystem.lastComponent(of: path), in: directory))
    }
}
