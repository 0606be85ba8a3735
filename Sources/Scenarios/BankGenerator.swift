import EventLog

/// A realistic synthetic bank stream for demos, tests and benchmarks: a few hundred accounts with
/// skewed activity, timestamps spread over days with a daily rhythm, overdraft attempts recorded as
/// `withdrawal-rejected`, and ~0.5% duplicate deliveries (same `event-id`, as at-least-once
/// delivery produces). Keys are account names, so an account's events share a partition.
public struct BankGenerator {
    public private(set) var accounts: [String]
    private var random: ScenarioRandom
    private var balances: [Double]
    private var clock: Int64
    private let meanGapMs: Double
    private var sequence = 0
    private var recent: [ProducerRecord] = []
    public var duplicateRate = 0.005

    static let firstNames = ["Brad", "Carol", "Eve", "Zoë", "Dan", "Fay", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Mika",
                             "Nora", "Omar", "Pia", "Quin", "Rosa", "Sven", "Tara", "Ugo", "Vera", "Wes", "Xiu", "Yara", "Ziggy"]
    static let sources = ["teller", "atm", "online", "mobile"]

    /// `events` over `spanMs` starting at `start`, so timestamps cover the span on average.
    public init(seed: UInt64, accounts count: Int = 300, start: Timestamp, spanMs: Int64, events: Int) {
        random = ScenarioRandom(seed: seed)
        accounts = (0..<max(1, count)).map { index in
            let first = Self.firstNames[index % Self.firstNames.count]
            let round = index / Self.firstNames.count
            // BradA, CarolM, EveL…: a first name and an initial; "Zoë" stays plain the first time round.
            if first == "Zoë" && round == 0 { return first }
            return first + String(UnicodeScalar(UInt8(65 + (index * 7 + round * 3) % 26)))
        }
        balances = Array(repeating: 0, count: accounts.count)
        clock = start.milliseconds
        meanGapMs = Double(spanMs) / Double(max(events, 1))
    }

    public mutating func next() -> ProducerRecord {
        if let duplicate = maybeDuplicate() { return duplicate }
        let index = random.skewed(accounts.count)
        let account = accounts[index]
        // A daily rhythm: nights are quieter (gaps longer), so a sparkline of event rate has a shape.
        let hour = Int((clock / 3_600_000) % 24)
        let nightFactor = (hour < 6 || hour > 22) ? 3.0 : 0.7
        clock += Int64(random.exponential(mean: meanGapMs * nightFactor / 0.9)) + 1 // 0.9: the factor averaged over events (most fall in the day)
        sequence += 1
        let type: String
        var amount: Double
        let deposit = balances[index] < 50 || random.unit() < 0.55
        if deposit {
            amount = (10 + random.exponential(mean: 180)).rounded()
            balances[index] += amount
            type = "deposit"
        } else {
            // Some withdrawals overreach: the write side refuses them, and the refusal is an event too.
            amount = (5 + random.exponential(mean: random.unit() < 0.1 ? 900 : 120)).rounded()
            if amount > balances[index] {
                type = "withdrawal-rejected"
            } else {
                balances[index] -= amount
                type = "withdrawal"
            }
        }
        let source = Self.sources[random.skewed(Self.sources.count, exponent: 1.3)]
        var json = #"{"type":"\#(type)","account":"\#(account)","amount":\#(Int64(amount))"#
        if type == "withdrawal-rejected" { json += #","reason":"insufficient funds","balance":\#(Int64(balances[index]))"# }
        json += #","channel":"\#(source)"}"#
        let record = ProducerRecord(
            key: Array(account.utf8), value: Array(json.utf8),
            headers: [Header(key: "event-id", value: Array("bank-\(sequence)".utf8)), Header(key: "source", value: Array(source.utf8))],
            timestamp: Timestamp(milliseconds: clock))
        recent.append(record)
        if recent.count > 50 { recent.removeFirst() }
        return record
    }

    public mutating func generate(_ count: Int) -> [ProducerRecord] { (0..<count).map { _ in next() } }

    /// At-least-once delivery: an earlier event arrives again a little later, with the same id.
    private mutating func maybeDuplicate() -> ProducerRecord? {
        guard !recent.isEmpty, random.unit() < duplicateRate else { return nil }
        var again = recent[Int(random.next() % UInt64(recent.count))]
        clock += Int64(random.exponential(mean: meanGapMs)) + 1
        again.timestamp = Timestamp(milliseconds: clock)
        return again
    }
}
