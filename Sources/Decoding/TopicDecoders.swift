/// The decoders of one topic: keys and values are chosen separately (`--key-format`,
/// `--value-format`), since keys are often plain strings while values are framed Avro.
public struct TopicDecoders: Sendable {
    public var key: ValueDecoder
    public var value: ValueDecoder

    public init(key: ValueDecoder, value: ValueDecoder) {
        self.key = key
        self.value = value
    }

    /// Nothing decoded: keys as text, values as JSON — how Rewind printed events before decoding.
    public static let plain = TopicDecoders(key: try! ValueDecoder(DecoderOptions(format: .auto, embedJSON: false)), value: .json)
}
