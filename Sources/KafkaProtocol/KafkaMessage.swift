/// A request or response body (or a header, or consumer-protocol data) with a codec per version.
/// Fields absent from a version keep their schema default when decoded and are skipped when encoded.
public protocol KafkaMessage: Sendable, Equatable {
    static var apiKey: Int16 { get }
    static var validVersions: ClosedRange<Int16> { get }
    /// First version with compact types and tagged fields; nil when the message has none.
    static var flexibleVersionsStart: Int16? { get }
    init()
    init(from reader: inout KafkaReader, version: Int16) throws
    func encode(into writer: inout KafkaWriter, version: Int16)
}

extension KafkaMessage {
    public static func isFlexible(_ version: Int16) -> Bool {
        flexibleVersionsStart.map { version >= $0 } ?? false
    }

    /// Decodes a whole body: bytes left over are an error.
    public static func decode(_ bytes: [UInt8], version: Int16) throws -> Self {
        var reader = KafkaReader(bytes)
        let message = try Self(from: &reader, version: version)
        try reader.expectEnd()
        return message
    }

    public func encoded(version: Int16) -> [UInt8] {
        var writer = KafkaWriter()
        encode(into: &writer, version: version)
        return writer.bytes
    }
}
