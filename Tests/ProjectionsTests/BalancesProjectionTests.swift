import EventLog
import Foundation
@testable import Payloads
@testable import Projections
import TestSupport
import XCTest

/// The balances fold as it was before `AccountBalances` and the pointer member walk: the member
/// walk shared by every API, a `[String: Account]` keyed by the decoded name. The fast fold must
/// give the same state and name the same row for every event, whatever the bytes.
private struct ReferenceBalances: Projection {
    typealias State = [String: BalancesProjection.Account]
    var id: String { "reference-balances" }
    var columns: [String] { [] }
    func makeInitialState() -> State { [:] }
    func rowCount(of state: State) -> Int { state.count }
    func rows(of state: State) -> [ViewRow] { [] }
    func row(_ key: String, of state: State) -> ViewRow? { nil }

    func apply(_ event: EventView, to state: inout State) -> RowChange {
        guard let value = event.value else { return .none }
        var kind = 0
        var amount: Double?
        var accountRaw: UnsafeRawBufferPointer?
        _ = JSONScanner.walkMembers(value, validateUTF8: false) { keyRange, valueRange in
            let key = UnsafeRawBufferPointer(rebasing: value[keyRange]), raw = UnsafeRawBufferPointer(rebasing: value[valueRange])
            if key.elementsEqual("type".utf8) {
                if JSONFields.stringEquals(raw, lowercase: "deposit") { kind = 1 }
                else if JSONFields.stringEquals(raw, lowercase: "withdrawal") { kind = 2 }
                else if JSONFields.stringEquals(raw, lowercase: "withdrawal-rejected") { kind = 3 }
            } else if key.elementsEqual("amount".utf8) {
                amount = JSONFields.number(raw)
            } else if key.elementsEqual("account".utf8) {
                accountRaw = raw
            }
            return kind == 0 || amount == nil || accountRaw == nil
        }
        guard kind != 0, let amount else { return .none }
        guard let account = accountRaw.flatMap(JSONFields.text) ?? event.keyText else { return .none }
        var entry = state[account, default: .init()]
        switch kind {
        case 1: entry.balance += amount; entry.deposits += 1
        case 2: entry.balance -= amount; entry.withdrawals += 1
        default: entry.rejected += 1
        }
        entry.lastEventTime = event.timestamp.milliseconds
        state[account] = entry
        return .row(account)
    }
}

final class BalancesProjectionTests: XCTestCase {
    var directory: TemporaryDirectory!
    override func setUpWithError() throws { directory = try TemporaryDirectory() }
    override func tearDown() { directory.remove() }

    /// Random events of every shape the fold meets (types in any case, accounts as plain, escaped,
    /// long, non-UTF-8, numeric or null values, missing fields falling back to the key, repeated
    /// members, amounts as strings and decimals, truncated JSON), folded one event at a time by the
    /// fast fold and the reference: the same row changes at every event, the same state after.
    func testFastFoldEqualsTheReferenceFoldProperty() throws {
        var random = SeededRandom.fromEnvironment()
        let log = try EventLog.open(directory.appending("log"), mode: .readWrite, create: true)
        defer { log.close() }
        try log.createTopic("payments", config: TopicConfig(partitions: 2, segmentBytes: 64 << 10))
        let names = (0..<40).map { _ in randomName(&random) }
        var records: [ProducerRecord] = []
        for n in 0..<6000 {
            records.append(ProducerRecord(key: Int.random(in: 0..<10, using: &random) == 0 ? nil : Array(names.randomElement(using: &random)!.utf8),
                                          value: Int.random(in: 0..<50, using: &random) == 0 ? nil : randomEvent(&random, names: names),
                                          timestamp: Timestamp(milliseconds: 1_000 + Int64(n))))
        }
        for start in stride(from: 0, to: records.count, by: 50) {
            _ = try log.append(Array(records[start..<min(start + 50, records.count)]), to: "payments", partition: Int32(start / 50 % 2))
        }
        let fast = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil, dedupWindow: 0)
        let reference = try ViewRunner(log: log, topic: "payments", projection: ReferenceBalances(), snapshots: nil, dedupWindow: 0)
        var steps = 0, changed = 0
        while let step = try fast.step() {
            let expected = try XCTUnwrap(try reference.step())
            XCTAssertEqual(step.event, expected.event)
            XCTAssertEqual(step.changed, expected.changed, "event \(step.event)")
            steps += 1
            if step.changed != .none { changed += 1 }
        }
        XCTAssertNil(try reference.step())
        XCTAssertEqual(steps, records.count)
        XCTAssertGreaterThan(changed, steps / 4) // the shapes fold often enough to compare states
        XCTAssertEqual(fast.state.dictionary, reference.state)
        XCTAssertGreaterThan(fast.state.count, 30)
        // A whole run (the loop the rebuild takes) agrees too.
        let rebuilt = try ViewRunner(log: log, topic: "payments", projection: BalancesProjection(), snapshots: nil, dedupWindow: 0)
        try rebuilt.run()
        XCTAssertEqual(rebuilt.state, fast.state)
    }

    /// Snapshots written when the state was a `[String: Account]` still load; the state now writes
    /// columns, which come back equal through both snapshot coders, names in first-seen order.
    func testStateLoadsTheDictionaryItReplacedAndRoundTripsAsColumns() throws {
        var old: [String: BalancesProjection.Account] = [:]
        old["BradA"] = .init(balance: 12.5, deposits: 2, withdrawals: 1, rejected: 0, lastEventTime: 99)
        old["Zoë"] = .init(balance: -3, deposits: 0, withdrawals: 1, rejected: 4, lastEventTime: 7)
        old[String(repeating: "long-name-", count: 5)] = .init(balance: -0.0, deposits: .max, withdrawals: .min, rejected: 0, lastEventTime: -1)
        let decoded = try JSONDecoder().decode(AccountBalances.self, from: try JSONEncoder().encode(old))
        XCTAssertEqual(decoded.dictionary, old)
        // The decoded state folds on: its byte index was rebuilt, so a known name is not added twice.
        var state = decoded
        XCTAssertEqual(Array("Zoë".utf8).withUnsafeBytes { state.index(ofUTF8: $0) }, state.names.firstIndex(of: "Zoë"))
        XCTAssertEqual(state.count, 3)
        XCTAssertThrowsError(try JSONDecoder().decode(AccountBalances.self, from: Data(#"{"BradA": 12}"#.utf8)))

        _ = Array("new".utf8).withUnsafeBytes { state.index(ofUTF8: $0) }
        let fromJSON = try JSONDecoder().decode(AccountBalances.self, from: try JSONEncoder().encode(state))
        let fromBinary = try BinarySnapshotDecoder().decode(AccountBalances.self, from: try BinarySnapshotEncoder().encode(state))
        for copy in [fromJSON, fromBinary] {
            XCTAssertEqual(copy, state)
            XCTAssertEqual(copy.names, state.names)
            XCTAssertEqual(copy.dictionary.mapValues { $0.balance.sign }, state.dictionary.mapValues { $0.balance.sign })
        }
        var folded = fromBinary
        XCTAssertEqual(Array("new".utf8).withUnsafeBytes { folded.index(ofUTF8: $0) }, 3)
        XCTAssertEqual(folded.count, 4)
        // Damaged columns are refused by name, never trapped on.
        for damaged in [#"["accounts/columns/1", ["a"], [1, 2]]"#, #"["accounts/columns/9", [], []]"#,
                        #"["accounts/columns/1", ["a", "a"], [0,0,0,0,0, 0,0,0,0,0]]"#] {
            XCTAssertThrowsError(try JSONDecoder().decode(AccountBalances.self, from: Data(damaged.utf8)), damaged)
        }
    }

    /// The byte index against a dictionary, over names of every length around its 4-, 8- and
    /// 16-byte packing and enough of them to grow it several times.
    func testNameIndexAgreesWithADictionaryProperty() {
        var random = SeededRandom.fromEnvironment()
        var index = NameIndex()
        var model: [[UInt8]: Int] = [:]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &random)
            // A small alphabet, so names share prefixes and differ in one byte.
            let name = (0..<length).map { _ in [0x61, 0x62, 0x00, 0xFF].randomElement(using: &random)! as UInt8 }
            name.withUnsafeBytes { bytes in
                let key = index.key(bytes)
                XCTAssertEqual(index.index(of: key), model[name], "\(name)")
                if model[name] == nil {
                    index.insert(key, index: model.count)
                    model[name] = model.count
                }
            }
        }
        XCTAssertEqual(index.count, model.count)
        XCTAssertGreaterThan(model.count, 5000)
        for (name, expected) in model { XCTAssertEqual(name.withUnsafeBytes { index.index(of: index.key($0)) }, expected) }
    }

    private func randomName(_ random: inout SeededRandom) -> String {
        let length = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 40].randomElement(using: &random)!
        return String((0..<length).map { _ in "aBzZë😀-\"\\ ".randomElement(using: &random)! })
    }

    private func randomEvent(_ random: inout SeededRandom, names: [String]) -> [UInt8] {
        // Mostly the three fields in any order (so most events fold), plus random members.
        var members = Int.random(in: 0..<4, using: &random) == 0 ? [] : [0, 2, 4].map { randomMember($0, &random, names: names) }.shuffled(using: &random)
        for _ in 0..<Int.random(in: 0...3, using: &random) { members.insert(randomMember(Int.random(in: 0..<8, using: &random), &random, names: names), at: Int.random(in: 0...members.count, using: &random)) }
        var bytes = Array(("{" + members.joined(separator: ",") + "}").utf8)
        switch Int.random(in: 0..<12, using: &random) {
        case 0: bytes = Array(bytes[..<Int.random(in: 0...bytes.count, using: &random)])
        case 1 where bytes.count > 2: bytes[Int.random(in: 1..<(bytes.count - 1), using: &random)] = 0xFF // not UTF-8
        default: break
        }
        return bytes
    }

    private func randomMember(_ choice: Int, _ random: inout SeededRandom, names: [String]) -> String {
        switch choice {
        case 0, 1:
            let type = ["deposit", "DePoSiT", "withdrawal", "Withdrawal-Rejected", "withdrawal-rejected", "refund", "", "deposit "].randomElement(using: &random)!
            return Int.random(in: 0..<10, using: &random) == 0 ? #""type":5"# : #""type":"\#(type)""#
        case 2, 3:
            let amount = ["12", "-7", "0", "3.25", "1e3", #""40""#, #""4.5""#, #""x""#, "null", "99999999999999999999"].randomElement(using: &random)!
            return #""amount":\#(amount)"#
        case 4, 5:
            let name = names.randomElement(using: &random)!
            let account: String
            switch Int.random(in: 0..<6, using: &random) {
            case 0: account = "null"
            case 1: account = "42"
            case 2: account = #""\u0041\#(escaped(name))""#
            default: account = #""\#(escaped(name))""#
            }
            return #""account":\#(account)"#
        case 6: return #""channel":{"a":[1,"}"]}"#
        default: return #""reason":"insufficient \"funds\"""#
        }
    }

    private func escaped(_ name: String) -> String {
        name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
