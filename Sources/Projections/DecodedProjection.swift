import Decoding

/// A projection that shows event values as something other than their bytes (lineage lists them).
protocol ValueTextProviding {
    func valueText(_ event: EventView) -> String?
}

/// A projection over a topic whose values are not JSON on disk (Confluent-framed Avro, Protobuf):
/// each value is decoded to JSON text before the inner projection sees it, so a spec like
/// `sum(amount) by account` reads an Avro topic exactly as a JSON one. Values the decoder leaves as
/// they are (JSON, text) reach the inner projection without a copy.
public struct DecodedProjection<Inner: Projection>: Projection, ValueTextProviding {
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
    public func columns(of state: State) -> [String] { inner.columns(of: state) }
    public func caption(of state: State) -> String? { inner.caption(of: state) }
    public func makeInitialState() -> State { inner.makeInitialState() }
    public func rowCount(of state: State) -> Int { inner.rowCount(of: state) }
    public func rows(of state: State) -> [ViewRow] { inner.rows(of: state) }
    public func row(_ key: String, of state: State) -> ViewRow? { inner.row(key, of: state) }

    /// The decoded JSON of the event's value (lineage shows it instead of Avro bytes).
    func valueText(_ event: EventView) -> String? {
        var decoded: [UInt8] = []
        return decoder.transform(event.value, scratch: &decoded) ? String(decoding: decoded, as: UTF8.self) : nil
    }

    /// The key is not decoded: the inner view's hint holds for the raw event.
    public var prefetchDistance: Int { inner.prefetchDistance }
    public func prefetch(_ event: EventView, in state: inout State) { inner.prefetch(event, in: &state) }

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

extension DecodedProjection: ChangeLabeling where Inner: ChangeLabeling {
    /// The inner label of the decoded value: a CDC topic in Avro labels its changes by `op` too.
    func changeLabel(_ event: EventView) -> String? {
        var scratch: [UInt8] = []
        guard decoder.transform(event.value, scratch: &scratch) else { return inner.changeLabel(event) }
        return scratch.withUnsafeBytes { inner.changeLabel(EventView(partition: event.partition, record: event.record, decodedValue: $0)) }
    }
}
