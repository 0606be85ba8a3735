import EventLog

/// The bank monolith's database as Debezium streams it: a `customers` table and an `orders` table
/// mutated over days, one topic per table (`<prefix>.bank.customers`, `<prefix>.bank.orders`, as
/// Debezium names them). It starts with an initial snapshot (`op: "r"` for the rows that existed
/// before the connector), then inserts (`c`), updates (`u`: a customer moves or changes tier, an
/// order is paid, shipped) and deletes (`d`, each followed by the tombstone Debezium emits so a
/// compacted topic forgets the key). Keys are the primary key as JSON (`{"id":17}`); values are
/// the envelope without the JSON converter's schema (schemas.enable=false, the common setting).
public struct CDCGenerator {
    public let prefix: String
    private var random: ScenarioRandom
    private var clock: Int64
    private let meanGapMs: Double
    /// The clock never passes this: changes belong to the past of whoever asked for them.
    private let endClock: Int64
    private var customers: [Int: Customer] = [:]
    private var customerIDs: [Int] = []
    private var orders: [Int: Order] = [:]
    private var orderIDs: [Int] = []
    private var nextCustomer = 1
    private var nextOrder = 1
    private var pending: [(String, ProducerRecord)] = []
    private var position: Int64 = 4_000
    private var snapshotLeft: Int

    struct Customer {
        var id: Int
        var name: String
        var email: String
        var city: String
        var tier: String
    }

    struct Order {
        var id: Int
        var customer: Int
        var amount: Int
        var status: String
    }

    /// Deletes (customers 3%, orders 7% of live changes) each add a tombstone.
    static let tombstonesPerLiveChange = 0.10
    static let cities = ["Oslo", "Lyon", "Porto", "Kyoto", "Austin", "Lagos", "Quito", "Perth"]
    static let tiers = ["basic", "silver", "gold"]

    /// `events` changes over `spanMs` from `start`; the first `customers` are the initial snapshot.
    public init(seed: UInt64, customers count: Int = 200, start: Timestamp, spanMs: Int64, events: Int, prefix: String = "monolith") {
        random = ScenarioRandom(seed: seed)
        clock = start.milliseconds
        endClock = start.milliseconds + spanMs
        snapshotLeft = max(1, min(count, events / 4))
        // Only live changes move the clock: not the snapshot's rows, not the tombstone after each
        // delete (a tenth of live changes). Spread over all `events`, the changes ended hours
        // before `start + spanMs`, and "14:00 yesterday" after midnight lay past the last of them.
        // 2% short of the span keeps the random end (±1/√n of it) mostly inside; the cap, always.
        let liveChanges = Double(max(1, events - snapshotLeft)) / (1 + Self.tombstonesPerLiveChange)
        meanGapMs = Double(spanMs) * 0.98 / liveChanges
        self.prefix = prefix
    }

    public static func topic(prefix: String, table: String) -> String { "\(prefix).bank.\(table)" }
    public var customersTopic: String { Self.topic(prefix: prefix, table: "customers") }
    public var ordersTopic: String { Self.topic(prefix: prefix, table: "orders") }
    public var topics: [String] { [customersTopic, ordersTopic] }

    /// The next change: its topic and record.
    public mutating func next() -> (topic: String, record: ProducerRecord) {
        if !pending.isEmpty { return pending.removeFirst() }
        // The snapshot reads every existing row within a second; live changes then follow the clock.
        clock = min(endClock, clock + (snapshotLeft > 0 ? 1 : Int64(random.exponential(mean: meanGapMs)) + 1))
        if snapshotLeft > 0 {
            snapshotLeft -= 1
            let customer = newCustomer()
            return change(customersTopic, "customers", id: customer.id, op: "r", before: nil, after: json(customer), snapshot: true)
        }
        let roll = random.unit()
        if roll < 0.10 || customerIDs.count < 3 {
            let customer = newCustomer()
            return change(customersTopic, "customers", id: customer.id, op: "c", before: nil, after: json(customer))
        }
        if roll < 0.22 { return updateCustomer() }
        if roll < 0.25 { return deleteCustomer() }
        if roll < 0.55 || orderIDs.isEmpty { return newOrder() }
        if roll < 0.93 { return advanceOrder() }
        return deleteOrder()
    }

    public mutating func generate(_ count: Int) -> [(topic: String, record: ProducerRecord)] { (0..<count).map { _ in next() } }

    // MARK: Changes

    private mutating func newCustomer() -> Customer {
        let first = BankGenerator.firstNames[Int(random.next() % UInt64(BankGenerator.firstNames.count))]
        let id = nextCustomer
        nextCustomer += 1
        let customer = Customer(id: id, name: "\(first) \(String(UnicodeScalar(UInt8(65 + id % 26))))", email: "\(first.lowercased())\(id)@example.com",
                                city: Self.cities[random.skewed(Self.cities.count, exponent: 1.5)], tier: Self.tiers[random.skewed(Self.tiers.count)])
        customers[id] = customer
        customerIDs.append(id)
        return customer
    }

    private mutating func updateCustomer() -> (topic: String, record: ProducerRecord) {
        let id = customerIDs[random.skewed(customerIDs.count, exponent: 1.4)]
        var customer = customers[id]!
        let before = json(customer)
        if random.unit() < 0.5 { customer.city = Self.cities[Int(random.next() % UInt64(Self.cities.count))] }
        else { customer.tier = Self.tiers[min(Self.tiers.count - 1, (Self.tiers.firstIndex(of: customer.tier) ?? 0) + 1)] }
        customers[id] = customer
        return change(customersTopic, "customers", id: id, op: "u", before: before, after: json(customer))
    }

    private mutating func deleteCustomer() -> (topic: String, record: ProducerRecord) {
        let index = Int(random.next() % UInt64(customerIDs.count))
        let id = customerIDs.remove(at: index)
        let before = json(customers.removeValue(forKey: id)!)
        return changeWithTombstone(customersTopic, "customers", id: id, before: before)
    }

    private mutating func newOrder() -> (topic: String, record: ProducerRecord) {
        let id = nextOrder
        nextOrder += 1
        let order = Order(id: id, customer: customerIDs[random.skewed(customerIDs.count)], amount: Int((5 + random.exponential(mean: 80)).rounded()), status: "new")
        orders[id] = order
        orderIDs.append(id)
        return change(ordersTopic, "orders", id: id, op: "c", before: nil, after: json(order))
    }

    private mutating func advanceOrder() -> (topic: String, record: ProducerRecord) {
        // Recent orders move on; old ones are mostly done.
        let id = orderIDs[orderIDs.count - 1 - random.skewed(orderIDs.count)]
        var order = orders[id]!
        let before = json(order)
        switch order.status {
        case "new": order.status = "paid"
        case "paid": order.status = "shipped"
        case "shipped": order.status = "delivered"
        default: order.amount += 1 // a late price correction on a delivered order
        }
        orders[id] = order
        return change(ordersTopic, "orders", id: id, op: "u", before: before, after: json(order))
    }

    private mutating func deleteOrder() -> (topic: String, record: ProducerRecord) {
        let index = orderIDs.count - 1 - random.skewed(orderIDs.count)
        let id = orderIDs.remove(at: index)
        let before = json(orders.removeValue(forKey: id)!)
        return changeWithTombstone(ordersTopic, "orders", id: id, before: before)
    }

    // MARK: Envelopes

    private mutating func changeWithTombstone(_ topic: String, _ table: String, id: Int, before: String) -> (topic: String, record: ProducerRecord) {
        let deleted = change(topic, table, id: id, op: "d", before: before, after: nil)
        pending.append((topic, ProducerRecord(key: key(id), value: nil, timestamp: deleted.record.timestamp)))
        return deleted
    }

    private mutating func change(_ topic: String, _ table: String, id: Int, op: String, before: String?, after: String?, snapshot: Bool = false) -> (topic: String, record: ProducerRecord) {
        position += Int64(120 + random.next() % 400)
        let source = #"{"version":"2.5.0.Final","connector":"mysql","name":"\#(prefix)","ts_ms":\#(clock),"snapshot":"\#(snapshot ? "true" : "false")","db":"bank","table":"\#(table)","server_id":1,"file":"mysql-bin.000003","pos":\#(position)}"#
        let value = #"{"before":\#(before ?? "null"),"after":\#(after ?? "null"),"source":\#(source),"op":"\#(op)","ts_ms":\#(clock + 3),"transaction":null}"#
        return (topic, ProducerRecord(key: key(id), value: Array(value.utf8), timestamp: Timestamp(milliseconds: clock)))
    }

    private func key(_ id: Int) -> [UInt8] { Array(#"{"id":\#(id)}"#.utf8) }

    private func json(_ customer: Customer) -> String {
        #"{"id":\#(customer.id),"name":"\#(customer.name)","email":"\#(customer.email)","city":"\#(customer.city)","tier":"\#(customer.tier)"}"#
    }

    private func json(_ order: Order) -> String {
        #"{"id":\#(order.id),"customer_id":\#(order.customer),"amount":\#(order.amount),"status":"\#(order.status)"}"#
    }
}
