import EventLog
import Payloads

/// The bank example's read model: deposit and withdrawal events folded into a balance per account
/// (a key-value table). `withdrawal-rejected` events (overdraft attempts the write side refused)
/// change no balance but are counted, so lineage shows them.
///
/// Event shape: {"type": "deposit"|"withdrawal"|"withdrawal-rejected", "account": "BradA", "amount": 38}
/// (type compared case-insensitively; the account falls back to the event key).
public struct BalancesProjection: Projection {
    public struct Account: Codable, Sendable, Hashable {
        public var balance: Double = 0
        public var deposits: Int64 = 0
        public var withdrawals: Int64 = 0
        public var rejected: Int64 = 0
        public var lastEventTime: Int64 = 0
    }

    /// Accounts by name; before `AccountBalances` a `[String: Account]`, whose snapshots still load.
    public typealias State = AccountBalances

    public init() {}
    public var id: String { "balances" }
    public var columns: [String] { ["account", "balance", "deposits", "withdrawals", "rejected", "last event"] }
    public func makeInitialState() -> State { State() }
    public func rowCount(of state: State) -> Int { state.count }

    public func apply(_ event: EventView, to state: inout State) -> RowChange {
        guard let value = event.value else { return .none }
        var kind = 0 // 1 deposit, 2 withdrawal, 3 rejected withdrawal
        var amount: Double?
        var accountRaw: UnsafeRawBufferPointer?
        JSONScanner.forEachRawMember(value) { key, raw in
            if JSONFields.keyEquals(key, "type") {
                if JSONFields.stringEquals(raw, lowercase: "deposit") { kind = 1 }
                else if JSONFields.stringEquals(raw, lowercase: "withdrawal") { kind = 2 }
                else if JSONFields.stringEquals(raw, lowercase: "withdrawal-rejected") { kind = 3 }
            } else if JSONFields.keyEquals(key, "amount") {
                amount = JSONFields.number(raw)
            } else if JSONFields.keyEquals(key, "account") {
                accountRaw = raw
            }
            return kind == 0 || amount == nil || accountRaw == nil // stop once all three are known
        }
        guard kind != 0, let amount else { return .none }
        guard let index = Self.accountIndex(accountRaw, key: event.key, in: &state) else { return .none }
        let time = event.timestamp.milliseconds
        state.update(at: index) { Self.update(&$0, kind: kind, amount: amount, time: time) }
        return .row(state.names[index])
    }

    /// The account an event names: its `account` field's text, else its key's (as `JSONFields.text`
    /// and `EventView.keyText` read them). A plain string or a key is looked up by its bytes; only
    /// escaped strings, numbers and booleans make a String first.
    @inline(__always)
    private static func accountIndex(_ raw: UnsafeRawBufferPointer?, key: UnsafeRawBufferPointer?, in state: inout State) -> Int? {
        if let raw {
            if let plain = JSONScanner.plainStringContents(raw) { return state.index(ofUTF8: plain) }
            if let text = JSONFields.text(raw) { return state.index(of: text) }
        }
        guard let key else { return nil }
        return state.index(ofUTF8: key)
    }

    @inline(__always)
    private static func update(_ entry: inout Account, kind: Int, amount: Double, time: Int64) {
        switch kind {
        case 1:
            entry.balance += amount
            entry.deposits += 1
        case 2:
            entry.balance -= amount
            entry.withdrawals += 1
        default:
            entry.rejected += 1
        }
        entry.lastEventTime = time
    }

    public func rows(of state: State) -> [ViewRow] {
        state.names.indices.sorted { state.names[$0] < state.names[$1] }.map { row(state.names[$0], state.accounts[$0]) }
    }

    public func row(_ key: String, of state: State) -> ViewRow? {
        state[key].map { row(key, $0) }
    }

    private func row(_ key: String, _ entry: Account) -> ViewRow {
        ViewRow(key: key, values: [.double(entry.balance), .int(entry.deposits), .int(entry.withdrawals), .int(entry.rejected),
                                   .text(TimeFormat.iso(Timestamp(milliseconds: entry.lastEventTime)))])
    }
}
