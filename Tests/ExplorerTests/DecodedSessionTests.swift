import Decoding
import EventLog
@testable import Explorer
import Foundation
import Projections
import TestSupport
import XCTest

/// The explorer over the shared Avro testdata (a captured `_schemas` topic and Confluent-framed
/// values): previews, detail and search read decoded values; the `d` toggle shows the bytes.
final class DecodedSessionTests: XCTestCase {
    static let testData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/testdata/kafka").standardized.path
    var directory: TemporaryDirectory!
    var log: EventLog!
    var session: ExplorerSession!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        log = try EventLog.open(Self.testData, mode: .readOnly)
        let registry = try XCTUnwrap(try SchemaRegistry.fromSchemasTopic(in: log))
        let decoders = TopicDecoders(key: try ValueDecoder(DecoderOptions(registry: registry, embedJSON: false)),
                                     value: try ValueDecoder(DecoderOptions(registry: registry)))
        session = ExplorerSession(log: log, snapshots: SnapshotStore(logDirectory: log.directory, cacheRoot: directory.appending("cache")),
                                  now: { Timestamp(milliseconds: 1_710_000_000_000) }, decoders: { _ in decoders })
    }

    override func tearDown() {
        log.close()
        directory.remove()
    }

    func rows() throws -> [ExplorerState.EventRow] {
        let messages = session.perform(.loadEvents(topic: "payments-avro", partition: 0, around: 0, count: 20, filter: nil))
        guard case let .eventsLoaded(rows, _)? = messages.first else { XCTFail("\(messages)"); return [] }
        return rows
    }

    func testPreviewsDetailSearchAndTheRawToggle() throws {
        XCTAssertEqual(try rows().first?.preview, #"{"type":"DEPOSIT","account":"CarolM","amount":54335349835,"note":null}"#)

        guard case let .detailLoaded(lines)? = session.perform(.loadDetail(topic: "payments-avro", partition: 0, offset: 15)).first else { return XCTFail() }
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("Value (") })
        XCTAssertEqual(lines[header], "Value (47 bytes, avro bank.Payment (id 2, payments-avro-value v2)):")
        XCTAssertTrue(lines[header...].contains(#"    "type": "WITHDRAWAL","#), lines[header...].joined(separator: "\n"))

        // "WITHDRAWAL" is an enum index on the wire: only the decoded text can match it.
        guard case let .cursorResolved(_, found, _)? = session.perform(.search(topic: "payments-avro", partition: 0, from: 0, query: "withdrawal", forward: true)).first
        else { return XCTFail() }
        XCTAssertEqual(found, 6)
        guard case let .cursorResolved(_, field, _)? = session.perform(.search(topic: "payments-avro", partition: 0, from: 0, query: "account=Zoë", forward: true)).first
        else { return XCTFail() }
        XCTAssertEqual(field, 3)

        XCTAssertEqual(session.perform(.setRawValues(true)), [])
        let rawPreview = try rows().first!.preview
        XCTAssertTrue(rawPreview.hasPrefix("⟨20 bytes⟩ 00 00 00 00 01"), rawPreview)
        guard case .failed? = session.perform(.search(topic: "payments-avro", partition: 0, from: 0, query: "withdrawal", forward: true)).first else {
            return XCTFail("raw bytes hold no enum names")
        }
        guard case let .detailLoaded(raw)? = session.perform(.loadDetail(topic: "payments-avro", partition: 0, offset: 0)).first else { return XCTFail() }
        XCTAssertTrue(raw.contains("Value (20 bytes):"), raw.joined(separator: "\n"))
        XCTAssertTrue(raw.contains { $0.hasPrefix("  000000  00 00 00 00 01") })
    }

    func testTheKeyTogglesAndReloads() {
        var state = ExplorerState()
        state.topics = [ExplorerState.TopicEntry(name: "payments-avro", retention: "forever",
                                                 partitions: [ExplorerState.PartitionEntry(partition: 0, startOffset: 0, endOffset: 47, bytes: 5102,
                                                                                           firstTimestamp: nil, lastTimestamp: nil)])]
        let effects = Explorer.update(&state, .key(.character("d")))
        XCTAssertTrue(state.rawValues)
        XCTAssertEqual(effects.first, .setRawValues(true))
        XCTAssertTrue(effects.contains { if case .loadEvents = $0 { return true } else { return false } })
        _ = Explorer.update(&state, .key(.character("d")))
        XCTAssertFalse(state.rawValues)
    }
}
