/// The balances view's state: an account per name, read like a `[String: Account]` (the type it
/// replaced) but folded by index. The fold finds an event's account from the bytes of its name
/// through a `NameIndex`, so it builds no String and hashes nothing with SipHash per event; the
/// String of each name is made once, when the account first appears.
///
/// Snapshots written when the state was a `[String: Account]` (a JSON object by name) still load;
/// the byte index is rebuilt on decode.
public struct AccountBalances: Sendable {
    public typealias Account = BalancesProjection.Account

    /// Names in first-seen order; `accounts[i]` belongs to `names[i]`.
    public private(set) var names: [String] = []
    public private(set) var accounts: [Account] = []
    /// Every name: the authority when bytes miss the byte index (escaped JSON, bytes that are not UTF-8).
    private var indexByName: [String: Int] = [:]
    private var indexByBytes = NameIndex()

    public init() {}

    public init(_ accounts: [String: Account]) {
        for name in accounts.keys.sorted() { append(name, accounts[name]!) }
    }

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    public subscript(name: String) -> Account? {
        indexByName[name].map { accounts[$0] }
    }

    /// Name → transformed account, as `Dictionary.mapValues` on the dictionary the state used to be.
    public func mapValues<T>(_ transform: (Account) throws -> T) rethrows -> [String: T] {
        var result: [String: T] = [:]
        for (name, account) in zip(names, accounts) { result[name] = try transform(account) }
        return result
    }

    /// Name → account, for callers that want the dictionary the state used to be.
    public var dictionary: [String: Account] { Dictionary(uniqueKeysWithValues: zip(names, accounts)) }

    /// The index of the account named by `bytes` (decoded as UTF-8, as `String(decoding:)` does),
    /// created empty on first sight.
    @inline(__always)
    mutating func index(ofUTF8 bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count <= NameIndex.lengthMax else { return index(of: String(decoding: bytes, as: UTF8.self)) }
        let key = indexByBytes.key(bytes)
        if let found = indexByBytes.index(of: key) { return found }
        let found = index(of: String(decoding: bytes, as: UTF8.self))
        indexByBytes.insert(key, index: found)
        return found
    }

    /// The index of the account `name`, created empty on first sight.
    mutating func index(of name: String) -> Int {
        if let found = indexByName[name] { return found }
        append(name, Account())
        return names.count - 1
    }

    @inline(__always)
    mutating func update<Result>(at index: Int, _ body: (inout Account) -> Result) -> Result {
        accounts.withUnsafeMutableBufferPointer { body(&$0[index]) }
    }

    private mutating func append(_ name: String, _ account: Account) {
        indexByName[name] = names.count
        names.append(name)
        accounts.append(account)
    }
}

extension AccountBalances: Equatable {
    /// Equal when they hold the same accounts, whatever order the names were first seen in.
    public static func == (lhs: AccountBalances, rhs: AccountBalances) -> Bool {
        lhs.count == rhs.count && zip(lhs.names, lhs.accounts).allSatisfy { rhs[$0.0] == $0.1 }
    }
}

/// Snapshots write the accounts as columns: a format name, the names in first-seen order, then
/// five 64-bit words per account (balance's bit pattern, deposits, withdrawals, rejected, last
/// event time). Restoring a snapshot is on the explorer's key path; decoding 300 accounts as a
/// `[String: Account]` of keyed containers took ~1.9 ms of a 5 ms key → frame budget, and the
/// words decode as one copy. Snapshots written as that dictionary (a JSON object by name) still load.
extension AccountBalances: Codable {
    static let columnsFormat = "accounts/columns/1"
    static let wordsPerAccount = 5

    public init(from decoder: Decoder) throws {
        guard var columns = try? decoder.unkeyedContainer() else {
            self.init(try decoder.singleValueContainer().decode([String: Account].self))
            return
        }
        let format = try columns.decode(String.self)
        guard format == Self.columnsFormat else {
            throw DecodingError.dataCorruptedError(in: columns, debugDescription: "balances state: unknown format '\(format)'")
        }
        let names = try columns.decode([String].self)
        let words = try columns.decode([UInt64].self)
        guard words.count == names.count * Self.wordsPerAccount else {
            throw DecodingError.dataCorruptedError(in: columns, debugDescription: "balances state: \(words.count) words for \(names.count) accounts")
        }
        self.init()
        self.names.reserveCapacity(names.count)
        accounts.reserveCapacity(names.count)
        indexByName.reserveCapacity(names.count)
        for (index, name) in names.enumerated() {
            let at = index * Self.wordsPerAccount
            let account = Account(balance: Double(bitPattern: words[at]), deposits: Int64(bitPattern: words[at + 1]),
                                  withdrawals: Int64(bitPattern: words[at + 2]), rejected: Int64(bitPattern: words[at + 3]),
                                  lastEventTime: Int64(bitPattern: words[at + 4]))
            guard indexByName[name] == nil else {
                throw DecodingError.dataCorruptedError(in: columns, debugDescription: "balances state: account '\(name)' twice")
            }
            append(name, account)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var columns = encoder.unkeyedContainer()
        try columns.encode(Self.columnsFormat)
        try columns.encode(names)
        var words: [UInt64] = []
        words.reserveCapacity(accounts.count * Self.wordsPerAccount)
        for account in accounts {
            words += [account.balance.bitPattern, UInt64(bitPattern: account.deposits), UInt64(bitPattern: account.withdrawals),
                      UInt64(bitPattern: account.rejected), UInt64(bitPattern: account.lastEventTime)]
        }
        try columns.encode(words)
    }
}
