extension SegmentChain {
    /// The `.chain` file for a segment's bytes when the chain enters it at `previous`: one entry per
    /// whole batch, as the writer appends them. Returns the file's bytes and the value after the last
    /// batch. Used where whole segments are rewritten (repair, compaction) and the chain from there
    /// on must be recomputed.
    static func rebuilt(for log: UnsafeRawBufferPointer, baseOffset: Int64, previous: ChainValue) -> (bytes: [UInt8], end: ChainValue) {
        var running = previous
        var chain = encode(ChainHeader(baseOffset: baseOffset, previous: previous))
        _ = walkBatches(log, from: 0) { batch in
            let size = batch.header.totalSize
            running = running.next(over: UnsafeRawBufferPointer(rebasing: log[batch.position..<(batch.position + size)]))
            encode(ChainEntry(lastOffset: batch.header.lastOffset, position: Int32(batch.position), size: Int32(size), value: running), into: &chain)
            return true
        }
        return (chain, running)
    }
}
