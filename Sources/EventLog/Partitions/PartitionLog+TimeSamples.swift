extension PartitionLog {
    /// About `count` (offset, timestamp) points spread over the partition, read from batch headers
    /// only (no CRC, no record decode): enough to draw an event-rate timeline of a 10M-event log
    /// in milliseconds. Each point is a batch's last offset and its largest timestamp.
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
}
