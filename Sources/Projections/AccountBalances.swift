/// The balances view's state: an account per name, read like a `[String: Account]` (the type it
/// replaced) but folded by index. The fold finds an event's account from the bytes of its name
/// through a `NameIndex`, so it builds no String and hashes nothing with SipHash per event; the
/// String of each name is made once, when the account first appears.
///
/// Snapshots encode it exactly as they encoded `[String: Account]` (a JSON object by name), so
/// snapshots written before this type still load, and the byte index is rebuilt on decode.
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

extension AccountBalances: Codable {
    public init(from decoder: Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([String: Account].self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(dictionary)
    }
}
