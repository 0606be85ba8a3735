import Crypto

/// One link of a partition's tamper-evidence chain: SHA-256(previous value ‖ batch bytes), where the
/// batch bytes are the whole RecordBatch as it lies in the `.log` — base offset and leader epoch
/// included, which Kafka's CRC leaves out. The first link of a log hangs off 32 zero bytes.
///
/// CRC-32C catches accidents; anybody who edits a value can fix the CRC. An edit now also changes
/// every later link, so a head recorded elsewhere (`rewind verify --head`) no longer matches.
public struct ChainValue: Hashable, Sendable, CustomStringConvertible {
    /// 32 bytes, kept as four words so the type is a plain value with no allocation.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    public static let size = 32
    public static let genesis = ChainValue(words: (0, 0, 0, 0))

    private init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// Reads 32 bytes; nil when fewer are given.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.size else { return nil }
        var parts: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() { parts[index / 8] = parts[index / 8] << 8 | UInt64(byte) }
        words = (parts[0], parts[1], parts[2], parts[3])
    }

    /// Parses 64 hex digits (either case).
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == Self.size * 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] {
        [words.0, words.1, words.2, words.3].flatMap { word in (0..<8).reversed().map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
    }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }, as: UTF8.self)
    }

    public var description: String { hex }

    public static func == (lhs: ChainValue, rhs: ChainValue) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// The link after this one for `batch`.
    public func next(over batch: UnsafeRawBufferPointer) -> ChainValue {
        var hasher = SHA256()
        withUnsafeBytes(of: words.0.bigEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: words.1.bigEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: words.2.bigEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: words.3.bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: batch)
        return ChainValue(bytes: Array(hasher.finalize()))!
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
