/// Records out of batches that came over the wire (a Kafka Fetch response's `records` field),
/// decoded exactly as stored ones are: size, magic and CRC checked, every codec through the given
/// decompressor, legacy (magic 0/1) message sets too.
///
/// A broker may cut the last batch short at its byte limit (Kafka documents this for Fetch): an
/// incomplete batch at the end is dropped, and the caller fetches again from `nextOffset`. Control
/// batches (transaction markers) carry no user records and are skipped. Records before `start`
/// (a broker returns the whole batch holding the fetch offset) are skipped.
public enum FetchedBatches {
    public struct Decoded {
        public var records: [Record]
        /// Where the next fetch starts: after the last record returned, or after the last whole
        /// batch when none was (a batch of control records or of records before `start`);
        /// nil when no whole batch was there.
        public var nextOffset: Offset?
    }

    /// `source` names where the bytes came from in errors (e.g. `kafka://host:9092 payments-0`).
    public static func decode(_ bytes: [UInt8], from start: Offset, maxRecords: Int,
                              decompressor: BatchDecompressor, source: String) throws -> Decoded {
        var decoder = BatchDecoder(decompressor: decompressor)
        var records: [Record] = []
        var nextOffset: Offset?
        var failure: Error?
        let end: BatchWalkEnd = bytes.withUnsafeBytes { raw in
            walkBatches(raw, from: 0) { walked in
                let batchEnd = Offset(walked.header.lastOffset).advanced(by: 1)
                let slice = UnsafeRawBufferPointer(rebasing: raw[walked.position..<(walked.position + walked.header.totalSize)])
                if !walked.isLegacy && walked.header.isControl {
                    // A marker decides whether a transaction's records count: a damaged one is an error too.
                    do {
                        _ = try RecordBatch.validate(slice)
                    } catch {
                        failure = EventLogError(.corruptBatch, "control batch: \(error)", path: source, position: Int64(walked.position))
                        return false
                    }
                    nextOffset = max(nextOffset ?? batchEnd, batchEnd)
                    return true
                }
                do {
                    _ = try decoder.forEachRecord(slice, path: source, position: walked.position) { view, header in
                        if view.offset < start { return true }
                        guard records.count < maxRecords else { return false }
                        records.append(view.materialize(batch: header.info(position: -1)))
                        return true
                    }
                } catch {
                    failure = error
                    return false
                }
                nextOffset = max(nextOffset ?? batchEnd, batchEnd)
                return records.count < maxRecords
            }
        }
        if let failure { throw failure }
        if case let .corrupt(position, reason) = end {
            throw EventLogError(.corruptBatch, reason, path: source, position: Int64(position))
        }
        if records.count >= maxRecords, let last = records.last { nextOffset = last.offset.advanced(by: 1) }
        return Decoded(records: records, nextOffset: nextOffset)
    }
}
