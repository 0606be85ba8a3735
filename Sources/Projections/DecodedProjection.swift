import Decoding

/// A projection over a topic whose values are not JSON on disk (Confluent-framed Avro, Protobuf):
/// each value is decoded to JSON text before the inner projection sees it, so a spec like
/// `sum(amount) by account` reads an Avro topic exactly as a JSON one. Values the decoder leaves as
/// they are (JSON, text) reach the inner projection without a copy.
public struct DecodedProjection<Inner: Projection>: Projection {
    public typealias State = Inner.State
    public let inner: Inner
    public let decoder: ValueDecoder

    public init(_ inner: Inner, decoder: ValueDecoder) {
        self.inner = inner
        self.decoder = decoder
    }

    /// Its own id: snapshots of decoded folds must never be mistaken for raw ones.
    public var id: String { inner.id + "-decoded" }
    public var columns: [String] { inner.columns }
    public func makeInitialState() -> State { inner.makeInitialState() }
    public func rows(of state: State) -> [ViewRow] { inner.rows(of: state) }
    public func row(_ key: String, of state: State) -> ViewRow? { inner.row(key, of: state) }

    public func apply(_ event: EventView, to state: inout State) -> RowChange {
        // One buffer per event: decoded topics are not on the 7M events/s JSON fold path, and a
        // shared buffer would make the projection a mutable reference type.
        var scratch: [UInt8] = []
        guard decoder.transform(event.value, scratch: &scratch) else { return inner.apply(event, to: &state) }
        return scratch.withUnsafeBytes { decoded in
            inner.apply(EventView(partition: event.partition, record: event.record, decodedValue: decoded), to: &state)
        }
    }
}
