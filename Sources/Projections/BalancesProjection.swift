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

    public typealias State = [String: Account]

    public init() {}
    public var id: String { "balances" }
    public var columns: [String] { ["account", "balance", "deposits", "withdrawals", "rejected", "last event"] }
    public func makeInitialState() -> State { [:] }
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
        guard let account = accountRaw.flatMap(JSONFields.text) ?? event.keyText else { return .none }
        // One hash lookup: modify in place through the defaulting subscript.
        let time = event.timestamp.milliseconds
        Self.update(&state[account, default: Account()], kind: kind, amount: amount, time: time)
        return .row(account)
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
        state.keys.sorted().map { row($0, of: state)! }
    }

    public func row(_ key: String, of state: State) -> ViewRow? {
        guard let entry = state[key] else { return nil }
        return ViewRow(key: key, values: [.double(entry.balance), .int(entry.deposits), .int(entry.withdrawals), .int(entry.rejected),
                                          .text(TimeFormat.iso(Timestamp(milliseconds: entry.lastEventTime)))])
    }
}
