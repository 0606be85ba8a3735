/// Kafka's compression codecs, as numbered in batch attribute bits 0–2.
public enum CompressionCodec: Int, Sendable, Codable, CustomStringConvertible {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    public var description: String {
        switch self {
        case .none: return "none"
        case .gzip: return "gzip"
        case .snappy: return "snappy"
        case .lz4: return "lz4"
        case .zstd: return "zstd"
        }
    }
}

/// Decompresses a batch's records section. The engine ships without codecs so that it depends on no
/// compression library; the interop layer installs real ones at start-up.
public protocol BatchDecompressor: Sendable {
    /// Appends the decompressed form of `input` to `output`; fails past `limit` bytes.
    func decompress(_ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws
}

public struct NoDecompressor: BatchDecompressor {
    public init() {}
    public func decompress(_ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws {
        throw EventLogError(.unsupportedCodec, "\(codec) compression is not supported by this build")
    }
}
