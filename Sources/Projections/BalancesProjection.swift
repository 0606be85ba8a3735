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

    /// What an event's value says, read without the state (on another core in a pipelined fold).
    public struct Prepared {
        /// 0: not a balances event (no type this view knows, or no amount); 1 deposit,
        /// 2 withdrawal, 3 rejected withdrawal.
        var kind: UInt8 = 0
        var amount: Double = 0
        /// The `account` field: its contents when a plain string, else its raw JSON; nil when absent.
        var account: UnsafeRawBufferPointer?
        var accountIsPlain = false
    }

    public func prepare(_ event: EventView) -> Prepared {
        var prepared = Prepared()
        guard let value = event.value else { return prepared }
        var kind: UInt8 = 0
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
        guard kind != 0, let amount else { return prepared }
        prepared.kind = kind
        prepared.amount = amount
        if let accountRaw {
            if let plain = JSONScanner.plainStringContents(accountRaw) {
                prepared.account = plain
                prepared.accountIsPlain = true
            } else {
                prepared.account = accountRaw
            }
        }
        return prepared
    }

    public func apply(_ event: EventView, to state: inout State) -> RowChange {
        apply(event, prepared: prepare(event), to: &state)
    }

    @inline(__always)
    public func apply(_ event: EventView, prepared: Prepared, to state: inout State) -> RowChange {
        guard prepared.kind != 0, let index = Self.accountIndex(prepared, key: event.key, in: &state) else { return .none }
        let time = event.timestamp.milliseconds
        state.update(at: index) { Self.update(&$0, kind: prepared.kind, amount: prepared.amount, time: time) }
        return .row(state.names[index])
    }

    /// The account an event names: its `account` field's text, else its key's (as `JSONFields.text`
    /// and `EventView.keyText` read them). A plain string or a key is looked up by its bytes; only
    /// escaped strings, numbers and booleans make a String first.
    @inline(__always)
    private static func accountIndex(_ prepared: Prepared, key: UnsafeRawBufferPointer?, in state: inout State) -> Int? {
        if let account = prepared.account {
            if prepared.accountIsPlain { return state.index(ofUTF8: account) }
            if let text = JSONFields.text(account) { return state.index(of: text) }
        }
        guard let key else { return nil }
        return state.index(ofUTF8: key)
    }

    @inline(__always)
    private static func update(_ entry: inout Account, kind: UInt8, amount: Double, time: Int64) {
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
