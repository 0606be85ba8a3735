extension PartitionLog {
    /// About `count` (offset, timestamp) points spread over the partition, read from batch headers
    /// only (no CRC, no record decode). Each point is a batch's last offset and its largest
    /// timestamp. On a cold page cache every point is a random read of the log (about 1 s for a
    /// 1.2 GB log here): the explorer's timeline uses `timeIndexSamples` instead.
    public func timeSamples(count: Int) throws -> [(offset: Int64, timestamp: Int64)] {
        let segments = segmentSnapshot()
        var positions: [(Segment, Int)] = []
        for segment in segments {
            let state = try segment.prepared()
            positions.append((segment, 0))
            for entry in state.builder.index.offsets { positions.append((segment, Int(entry.position))) }
        }
        guard !positions.isEmpty else { return [] }
        let stride = max(1, positions.count / max(1, count))
        var samples: [(offset: Int64, timestamp: Int64)] = []
        var lastSegment: Segment?
        var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        var map: MappedFile?
        for index in Swift.stride(from: 0, to: positions.count, by: stride) {
            let (segment, position) = positions[index]
            if segment !== lastSegment {
                map?.release(0..<bytes.count) // the header pages probed in the previous segment
                map = try segment.bytes()
                bytes = UnsafeRawBufferPointer(rebasing: map!.bytes[..<min(try segment.validBytes, map!.count)])
                lastSegment = segment
            }
            guard position + RecordBatchHeader.size <= bytes.count,
                  let header = try? RecordBatchHeader(parsing: UnsafeRawBufferPointer(rebasing: bytes[position...])), header.magic == 2 else { continue }
            samples.append((header.lastOffset, header.maxTimestamp))
        }
        map?.release(0..<bytes.count)
        return samples
    }

    /// (offset, timestamp) points from the segments' time indexes, oldest first, with no read of the
    /// log beyond what loading a segment does (its two index files and the batches after the last
    /// index entry): a point every `Limits.indexIntervalBytes` (4 KiB) of log, each the largest
    /// timestamp up to and including `offset`. The offsets between two points are the events the
    /// later one stands for, so a rate per time bucket follows without reading a batch. A segment
    /// whose indexes were stale or missing has them rebuilt in memory on load, so the points are
    /// the same as for intact indexes.
    public func timeIndexSamples() throws -> [(offset: Int64, timestamp: Int64)] {
        var samples: [(offset: Int64, timestamp: Int64)] = []
        for segment in segmentSnapshot() {
            let state = try segment.prepared()
            let times = state.builder.index.times
            samples.reserveCapacity(samples.count + times.count + 1)
            for entry in times { samples.append((segment.baseOffset + Int64(entry.relativeOffset), entry.timestamp)) }
            // An active segment has no entry for the batches after its last interval; its largest
            // timestamp (learned by the load's tail walk) stands for them.
            let last = state.endOffset - 1
            if last >= segment.baseOffset, last > (samples.last?.offset ?? Int64.min), state.builder.maxTimestamp != Timestamp.none.milliseconds {
                samples.append((last, max(state.builder.maxTimestamp, samples.last?.timestamp ?? Int64.min)))
            }
        }
        return samples
    }
}
