import XCTest
@testable import KafkaProtocol

/// Bytes written out by hand from Kafka's protocol guide (kafka.apache.org/protocol: "Protocol
/// Primitive Types" and each API's BNF), not produced by this encoder: each case decodes the bytes,
/// checks the fields, and encodes the message back to the same bytes.
final class GoldenBytesTests: XCTestCase {
    private func check<M: KafkaMessage>(_ type: M.Type, version: Int16, _ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line,
                                        _ verify: (M) -> Void) throws {
        let message = try M.decode(bytes, version: version)
        verify(message)
        XCTAssertEqual(message.encoded(version: version), bytes, "\(M.self) v\(version) re-encodes differently", file: file, line: line)
        // Fed one byte short at every length: throws, never traps.
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try M.decode(Array(bytes[..<cut]), version: version), "\(M.self) v\(version) cut at \(cut)", file: file, line: line)
        }
    }

    func testRequestHeaderV1AndFrameParse() throws {
        // api key 18, version 2, correlation id 7, client id "rdkafka"
        let bytes: [UInt8] = [0x00, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x07, 0x00, 0x07] + Array("rdkafka".utf8)
        try check(RequestHeader.self, version: 1, bytes) { header in
            XCTAssertEqual(header.requestApiKey, 18)
            XCTAssertEqual(header.requestApiVersion, 2)
            XCTAssertEqual(header.correlationId, 7)
            XCTAssertEqual(header.clientId, "rdkafka")
        }
        let frame = try RequestFrame.parse(bytes)
        XCTAssertEqual(frame.headerVersion, 1)
        XCTAssertEqual(frame.body.remaining, 0)
    }

    func testRequestHeaderV2KeepsAClassicClientIdThenTags() throws {
        // ApiVersions v3 (flexible): header v2 = key, version, correlation, client id as int16 string, empty tags;
        // body: compact strings "kcat" (len+1 = 5) and "1.7" (4), empty tags.
        let bytes: [UInt8] = [0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x63, 0x00,
                              0x05] + Array("kcat".utf8) + [0x04] + Array("1.7".utf8) + [0x00]
        var frame = try RequestFrame.parse(bytes)
        XCTAssertEqual(frame.headerVersion, 2)
        XCTAssertEqual(frame.header.clientId, "c")
        let body = try ApiVersionsRequest(from: &frame.body, version: 3)
        XCTAssertEqual(body.clientSoftwareName, "kcat")
        XCTAssertEqual(body.clientSoftwareVersion, "1.7")
        XCTAssertEqual(frame.body.remaining, 0)
    }

    func testUnknownApiKeyStillYieldsTheCorrelationId() throws {
        let frame = try RequestFrame.parse([0x03, 0xE7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xFF])
        XCTAssertEqual(frame.apiKey, 999)
        XCTAssertEqual(frame.correlationId, 256)
        XCTAssertEqual(frame.headerVersion, 0)
    }

    func testApiVersionsResponseV0AndV1() throws {
        // error 0, [ {key 0, min 0, max 8} ]
        let v0: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08]
        try check(ApiVersionsResponse.self, version: 0, v0) { response in
            XCTAssertEqual(response.apiKeys.count, 1)
            XCTAssertEqual(response.apiKeys[0].maxVersion, 8)
        }
        // v1 appends throttle_time_ms
        try check(ApiVersionsResponse.self, version: 1, v0 + [0x00, 0x00, 0x00, 0x64]) { response in
            XCTAssertEqual(response.throttleTimeMs, 100)
        }
    }

    func testApiVersionsResponseV3WithATaggedField() throws {
        // error 0, compact array of 1 (0x02), key 18 min 0 max 2, element tags 0, throttle 0,
        // tags: 1 field, tag 3 (ZkMigrationReady), size 1, true.
        let bytes: [UInt8] = [0x00, 0x00, 0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x01, 0x03, 0x01, 0x01]
        try check(ApiVersionsResponse.self, version: 3, bytes) { response in
            XCTAssertEqual(response.apiKeys.first?.apiKey, 18)
            XCTAssertTrue(response.zkMigrationReady)
        }
    }

    func testUnknownTaggedFieldsAreSkipped() throws {
        // ApiVersions v3 request: "a", "b", then one unknown tag 9 of 2 bytes.
        let bytes: [UInt8] = [0x02, 0x61, 0x02, 0x62, 0x01, 0x09, 0x02, 0xAB, 0xCD]
        let request = try ApiVersionsRequest.decode(bytes, version: 3)
        XCTAssertEqual(request.clientSoftwareName, "a")
        XCTAssertEqual(request.encoded(version: 3), [0x02, 0x61, 0x02, 0x62, 0x00])
    }

    func testMetadataRequestVersions() throws {
        // v0: [ "a" ]
        try check(MetadataRequest.self, version: 0, [0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x61]) { request in
            XCTAssertEqual(request.topics?.map(\.name), ["a"])
        }
        // v1: null topics = all
        try check(MetadataRequest.self, version: 1, [0xFF, 0xFF, 0xFF, 0xFF]) { request in
            XCTAssertNil(request.topics)
        }
        // v4: empty topics, allow auto create = true
        try check(MetadataRequest.self, version: 4, [0x00, 0x00, 0x00, 0x00, 0x01]) { request in
            XCTAssertEqual(request.topics?.count, 0)
            XCTAssertTrue(request.allowAutoTopicCreation)
        }
        // v8: null topics, auto create false, include cluster ops false, include topic ops true
        try check(MetadataRequest.self, version: 8, [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01]) { request in
            XCTAssertTrue(request.includeTopicAuthorizedOperations)
            XCTAssertFalse(request.allowAutoTopicCreation)
        }
    }

    func testProduceRequestV3() throws {
        // transactional id null, acks -1, timeout 1000, [ "t": [ partition 0, records 01 02 03 ] ]
        let bytes: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x03, 0xE8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74,
                              0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03]
        try check(ProduceRequest.self, version: 3, bytes) { request in
            XCTAssertNil(request.transactionalId)
            XCTAssertEqual(request.acks, -1)
            XCTAssertEqual(request.timeoutMs, 1000)
            XCTAssertEqual(request.topicData.first?.name, "t")
            XCTAssertEqual(request.topicData.first?.partitionData.first?.records, [1, 2, 3])
        }
    }

    func testProduceResponseV8() throws {
        // [ "t": [ index 0, error 0, base offset 5, log append time -1, log start 0, record errors [], error message null ] ], throttle 0
        let bytes: [UInt8] = [0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x01,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
                              0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF,
                              0x00, 0x00, 0x00, 0x00]
        try check(ProduceResponse.self, version: 8, bytes) { response in
            let partition = response.responses[0].partitionResponses[0]
            XCTAssertEqual(partition.baseOffset, 5)
            XCTAssertEqual(partition.logAppendTimeMs, -1)
            XCTAssertNil(partition.errorMessage)
        }
    }

    func testFetchResponseV4() throws {
        // throttle 0, [ "t": [ index 0, error 0, hw 5, lso 5, aborted null, records 01 02 ] ]
        let bytes: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x01,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
                              0xFF, 0xFF, 0xFF, 0xFF,
                              0x00, 0x00, 0x00, 0x02, 0x01, 0x02]
        try check(FetchResponse.self, version: 4, bytes) { response in
            let partition = response.responses[0].partitions[0]
            XCTAssertEqual(partition.highWatermark, 5)
            XCTAssertEqual(partition.lastStableOffset, 5)
            XCTAssertNil(partition.abortedTransactions)
            XCTAssertEqual(partition.records, [1, 2])
        }
    }

    func testFetchRequestV4() throws {
        // replica -1, max wait 500, min bytes 1, max bytes 1 MiB, isolation 0, [ "t": [ 0, offset 7, max 65536 ] ]
        let bytes: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0xF4, 0x00, 0x00, 0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x01,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00]
        try check(FetchRequest.self, version: 4, bytes) { request in
            XCTAssertEqual(request.maxWaitMs, 500)
            XCTAssertEqual(request.maxBytes, 1 << 20)
            XCTAssertEqual(request.topics[0].partitions[0].fetchOffset, 7)
            XCTAssertEqual(request.topics[0].partitions[0].partitionMaxBytes, 65536)
        }
    }

    func testFindCoordinatorResponseV1() throws {
        // throttle 0, error 0, message null, node 1, host "h", port 9092
        let bytes: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x68, 0x00, 0x00, 0x23, 0x84]
        try check(FindCoordinatorResponse.self, version: 1, bytes) { response in
            XCTAssertEqual(response.nodeId, 1)
            XCTAssertEqual(response.host, "h")
            XCTAssertEqual(response.port, 9092)
        }
    }

    func testJoinGroupRequestV5() throws {
        // group "g", session 10000, rebalance 300000, member "", instance null, type "consumer", [ "range": 01 ]
        let bytes: [UInt8] = [0x00, 0x01, 0x67, 0x00, 0x00, 0x27, 0x10, 0x00, 0x04, 0x93, 0xE0, 0x00, 0x00, 0xFF, 0xFF,
                              0x00, 0x08] + Array("consumer".utf8) + [0x00, 0x00, 0x00, 0x01, 0x00, 0x05] + Array("range".utf8) +
                              [0x00, 0x00, 0x00, 0x01, 0x01]
        try check(JoinGroupRequest.self, version: 5, bytes) { request in
            XCTAssertEqual(request.groupId, "g")
            XCTAssertEqual(request.sessionTimeoutMs, 10000)
            XCTAssertEqual(request.rebalanceTimeoutMs, 300000)
            XCTAssertNil(request.groupInstanceId)
            XCTAssertEqual(request.protocols.first?.name, "range")
            XCTAssertEqual(request.protocols.first?.metadata, [1])
        }
    }

    func testOffsetFetchRequestV2NullTopics() throws {
        try check(OffsetFetchRequest.self, version: 2, [0x00, 0x01, 0x67, 0xFF, 0xFF, 0xFF, 0xFF]) { request in
            XCTAssertEqual(request.groupId, "g")
            XCTAssertNil(request.topics)
        }
    }

    func testOffsetCommitRequestV2() throws {
        // group "g", generation -1, member "", retention -1, [ "t": [ 0, offset 42, metadata "" ] ]
        let bytes: [UInt8] = [0x00, 0x01, 0x67, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                              0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x01,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x00]
        try check(OffsetCommitRequest.self, version: 2, bytes) { request in
            XCTAssertEqual(request.generationIdOrMemberEpoch, -1)
            XCTAssertEqual(request.retentionTimeMs, -1)
            XCTAssertEqual(request.topics[0].partitions[0].committedOffset, 42)
            XCTAssertEqual(request.topics[0].partitions[0].committedMetadata, "")
        }
    }

    func testInitProducerIdResponseV0() throws {
        // throttle 0, error 0, producer id 1000, epoch 0
        let bytes: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8, 0x00, 0x00]
        try check(InitProducerIdResponse.self, version: 0, bytes) { response in
            XCTAssertEqual(response.producerId, 1000)
            XCTAssertEqual(response.producerEpoch, 0)
        }
    }

    // MARK: Hostile input

    func testAHugeArrayCountThrowsWithoutAllocating() {
        // Metadata v1 claiming 2^31-1 topics in a 4-byte body.
        XCTAssertThrowsError(try MetadataRequest.decode([0x7F, 0xFF, 0xFF, 0xFF], version: 1)) { error in
            XCTAssertEqual(error as? KafkaDecodeError, .lengthOutOfRange(field: "Topics", length: Int64(Int32.max)))
        }
    }

    func testAStringLongerThanTheFrameThrows() {
        XCTAssertThrowsError(try OffsetFetchRequest.decode([0x7F, 0xFF, 0x61], version: 1)) { error in
            XCTAssertEqual(error as? KafkaDecodeError, .lengthOutOfRange(field: "GroupId", length: 32767))
        }
    }

    func testANegativeLengthThatIsNotNullThrows() {
        XCTAssertThrowsError(try ProduceRequest.decode([0xFF, 0xFE], version: 3))
    }

    func testAnOverlongVarintThrows() {
        XCTAssertThrowsError(try ApiVersionsRequest.decode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], version: 3)) { error in
            XCTAssertEqual(error as? KafkaDecodeError, .varintTooLong)
        }
    }

    func testTrailingBytesAreRejected() {
        XCTAssertThrowsError(try HeartbeatResponse.decode([0x00, 0x00, 0x00], version: 0)) { error in
            XCTAssertEqual(error as? KafkaDecodeError, .trailingBytes(1))
        }
    }

    func testSignedVarintsZigzag() throws {
        var writer = KafkaWriter()
        for value: Int64 in [0, -1, 1, -64, 63, 64, Int64.max, Int64.min] { writer.writeVarlong(value) }
        // Spot check from the protocol guide: 0 → 00, -1 → 01, 1 → 02, -64 → 7F, 64 → 80 01.
        XCTAssertEqual(Array(writer.bytes.prefix(7)), [0x00, 0x01, 0x02, 0x7F, 0x7E, 0x80, 0x01])
        var reader = KafkaReader(writer.bytes)
        for value: Int64 in [0, -1, 1, -64, 63, 64, Int64.max, Int64.min] { XCTAssertEqual(try reader.readVarlong(), value) }
    }
}
