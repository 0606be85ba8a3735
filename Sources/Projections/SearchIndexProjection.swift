import EventLog

/// A full-text index over event values (the search-index store of polyglot persistence): which
/// events mention "BradA"? Terms are runs of letters, digits, '-', '_' and '.' (lowercased ASCII,
/// UTF-8 kept), 2–40 bytes, not purely numeric (amounts would swamp the index). Each term keeps its
/// count and the positions of its most recent events.
public struct SearchIndexProjection: Projection {
    public struct Posting: Codable, Sendable, Hashable {
        public var count: Int64 = 0
        /// (partition, offset) of the latest events, newest last.
        public var recent: [MergeKey] = []
    }

    public typealias State = [String: Posting]
    public let recentKept: Int

    public init(recentKept: Int = 20) { self.recentKept = recentKept }
    public var id: String { "search" }
    public var columns: [String] { ["term", "events", "latest events"] }
    public func makeInitialState() -> State { [:] }
    public func rowCount(of state: State) -> Int { state.count }

    public func apply(_ event: EventView, to state: inout State) -> RowChange {
        var terms = Set<String>()
        if let value = event.value { Self.tokenize(value) { terms.insert($0) } }
        if let key = event.key { Self.tokenize(key) { terms.insert($0) } }
        guard !terms.isEmpty else { return .none }
        for term in terms {
            var posting = state[term] ?? Posting()
            posting.count += 1
            posting.recent.append(event.mergeKey)
            if posting.recent.count > recentKept { posting.recent.removeFirst() }
            state[term] = posting
        }
        return .rows(terms.sorted())
    }

    public func rows(of state: State) -> [ViewRow] { state.keys.sorted().map { row($0, of: state)! } }

    public func row(_ key: String, of state: State) -> ViewRow? {
        guard let posting = state[key.lowercased()] else { return nil }
        return ViewRow(key: key.lowercased(), values: [.int(posting.count),
                                                       .text(posting.recent.suffix(5).map { "\($0.partition)@\($0.offset)" }.joined(separator: " "))])
    }

    /// Events that mention `term`, newest last (at most `recentKept`).
    public static func matches(_ term: String, in state: State) -> [MergeKey] { state[term.lowercased()]?.recent ?? [] }

    static func tokenize(_ bytes: UnsafeRawBufferPointer, _ emit: (String) -> Void) {
        var start = -1
        var allDigits = true
        func flush(_ end: Int) {
            defer { start = -1; allDigits = true }
            guard start >= 0 else { return }
            let length = end - start
            guard length >= 2, length <= 40, !allDigits else { return }
            var token = Array(bytes[start..<end])
            for index in token.indices where token[index] >= 0x41 && token[index] <= 0x5A { token[index] |= 0x20 }
            emit(String(decoding: token, as: UTF8.self))
        }
        for index in 0..<bytes.count {
            let byte = bytes[index]
            let isWord = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte >= 0x80 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            if isWord {
                if start < 0 { start = index }
                if byte < 0x30 || byte > 0x39 { allDigits = false }
            } else {
                flush(index)
            }
        }
        flush(bytes.count)
    }
}
