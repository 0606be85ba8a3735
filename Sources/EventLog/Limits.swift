/// Every maximum the engine enforces, in one place. Lengths read from disk are checked against these
/// and against the bytes that remain, so a corrupt or hostile file can't make us allocate or loop
/// without bound.
public enum Limits {
    /// Largest batch we accept, compressed or not. Kafka's default `message.max.bytes` is ~1 MiB;
    /// brokers are often raised to tens of MiB, so 64 MiB leaves room without trusting garbage.
    public static let batchBytesMax = 64 << 20
    /// Largest decompressed batch: bounds a "zip bomb" batch to a fixed multiple of the limit above.
    public static let decompressedBatchBytesMax = 256 << 20
    /// Records one batch may claim; a count above this is corruption, not data.
    public static let recordsPerBatchMax = 10_000_000
    /// Headers one record may carry.
    public static let headersPerRecordMax = 100_000
    /// Kafka's own topic name limit.
    public static let topicNameBytesMax = 249
    public static let partitionsPerTopicMax: Int32 = 10_000
    /// Smallest segment: below this, rolling would churn files for no benefit.
    public static let segmentBytesMin = 4096
    /// Positions in `.index` are 32-bit, as in Kafka, so one segment can't pass 2 GiB.
    public static let segmentBytesMax = Int(Int32.max)
    /// Default segment size: small enough that retention frees space in useful steps, large enough
    /// that a 10M-event log has a handful of files.
    public static let segmentBytesDefault = 128 << 20
    /// Kafka's defaults for compacted topics: tombstones stay a day, a partition is cleaned once half
    /// of it is dirty.
    public static let deleteRetentionMsDefault: Int64 = 86_400_000
    public static let minCleanableDirtyRatioDefault = 0.5
    /// Distinct keys one compaction of a partition may track (its offset map holds each key's bytes
    /// once; Kafka bounds its map by `log.cleaner.dedupe.buffer.size` instead).
    public static let compactionKeysMax = 50_000_000
    /// Kafka's `index.interval.bytes`: an index lookup then scans at most about one page of batches.
    public static let indexIntervalBytes = 4096
    /// Segments per partition we will open.
    public static let segmentsPerPartitionMax = 1_000_000
    /// Records buffered per `produce` batch from stdin before appending.
    public static let produceBatchRecordsMax = 1000
    /// Bytes of a consumer-group or metadata file we will read.
    public static let metadataFileBytesMax = 16 << 20
    /// How far past damage recovery and `verify` search for the next valid batch: a whole segment, so
    /// no valid batch of a segment can be mistaken for a torn tail.
    public static let resyncScanBytesMax = segmentBytesMax
}
