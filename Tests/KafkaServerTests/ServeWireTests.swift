import EventLog
import Foundation
import Glibc
import KafkaProtocol
import TestSupport
import XCTest

/// Raw-socket checks of the connection rules: unsupported versions are answered, malformed frames
/// close only their own connection, pipelined requests come back in order.
final class ServeWireTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var server: ServeProcess!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory("rewind-serve-wire")
        server = try ServeProcess(directory: directory.appending("log"))
    }

    override func tearDown() {
        server?.kill()
        directory?.remove()
    }

    /// A blocking loopback socket with a receive timeout, so a test can never hang on it.
    final class Connection {
        let fd: Int32
        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw NSError(domain: "connect failed", code: Int(errno)) }
        }
        deinit { close(fd) }

        /// Whether a response starts arriving within `ms` (poll(2); nothing is read).
        func isReadable(withinMs ms: Int32) -> Bool {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, ms) > 0
        }

        func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) } }

        /// One response frame without its size, or nil when the server closed the connection.
        func receive() -> [UInt8]? {
            guard let size = read(4) else { return nil }
            let length = Int(size[0]) << 24 | Int(size[1]) << 16 | Int(size[2]) << 8 | Int(size[3])
            return read(length)
        }

        private func read(_ count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
                if got <= 0 { return nil }
                done += got
            }
            return bytes
        }
    }

    /// Size prefix + header v1 (key, version, correlation id, client id "t") + body.
    private func frame(key: Int16, version: Int16, correlation: Int32, body: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = []
        func int16(_ value: Int16) { bytes += [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        func int32(_ value: Int32) { bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        int16(key); int16(version); int32(correlation); int16(1); bytes.append(0x74)
        bytes += body
        let size = Int32(bytes.count)
        return (0..<4).map { UInt8(truncatingIfNeeded: size >> (24 - 8 * $0)) } + bytes
    }

    func testApiVersionsV3GetsErrorThirtyFiveInAVersionZeroBody() throws {
        let connection = try Connection(port: server.port)
        // v3 is flexible: header v2 (tags after the client id), compact body strings.
        var request = frame(key: 18, version: 3, correlation: 9) + [0x00, 0x02, 0x61, 0x02, 0x31, 0x00]
        request[3] = UInt8(request.count - 4)
        connection.send(request)
        let response = try XCTUnwrap(connection.receive())
        // correlation 9 | error 35 | [ {18, 0, 2} ] — no tag sections anywhere.
        XCTAssertEqual(response, [0, 0, 0, 9, 0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 2])
    }

    func testUnknownApisAndVersionsAreAnsweredAndPipelinedRequestsComeBackInOrder() throws {
        let connection = try Connection(port: server.port)
        // Pipelined: an unknown API, an unserved (flexible: header tags) version of Metadata, then ApiVersions v2.
        connection.send(frame(key: 999, version: 0, correlation: 1) + frame(key: 3, version: 12, correlation: 2, body: [0x00]) + frame(key: 18, version: 2, correlation: 3))
        XCTAssertEqual(connection.receive(), [0, 0, 0, 1, 0, 35])
        XCTAssertEqual(connection.receive(), [0, 0, 0, 2, 0, 35])
        let versions = try XCTUnwrap(connection.receive())
        XCTAssertEqual(Array(versions.prefix(6)), [0, 0, 0, 3, 0, 0], "ApiVersions v2 answered with error 0")
        XCTAssertEqual(Int(versions[6]) << 24 | Int(versions[7]) << 16 | Int(versions[8]) << 8 | Int(versions[9]), 16, "16 APIs advertised")
    }

    func testAMalformedFrameClosesOnlyItsConnection() throws {
        let healthy = try Connection(port: server.port)
        let hostile = try Connection(port: server.port)
        hostile.send([0x7F, 0xFF, 0xFF, 0xFF]) // a 2 GiB frame: refused before anything is allocated
        XCTAssertNil(hostile.receive(), "the connection stays open after a 2 GiB frame size")
        let garbage = try Connection(port: server.port)
        // Metadata v1 whose topic count claims 2^31-1 topics in a 4-byte body.
        garbage.send(frame(key: 3, version: 1, correlation: 5, body: [0x7F, 0xFF, 0xFF, 0xFF]))
        XCTAssertNil(garbage.receive(), "a malformed body must close its connection")
        healthy.send(frame(key: 18, version: 0, correlation: 7))
        XCTAssertEqual(healthy.receive().map { Array($0.prefix(6)) }, [0, 0, 0, 7, 0, 0])
        try waitUntil(timeoutSeconds: 5, "the reasons in the log") {
            server.output.contains("frame size 2147483647 outside") && server.output.contains("malformed request (API 3 v1)")
        }
    }

    /// Header v1 + a body from the generated codecs, framed.
    private func frame<M: KafkaMessage>(_ body: M, version: Int16, correlation: Int32) -> [UInt8] {
        var header = RequestHeader()
        header.requestApiKey = M.apiKey
        header.requestApiVersion = version
        header.correlationId = correlation
        header.clientId = "wire-test"
        let bytes = header.encoded(version: 1) + body.encoded(version: version)
        let size = Int32(bytes.count)
        return (0..<4).map { UInt8(truncatingIfNeeded: size >> (24 - 8 * $0)) } + bytes
    }

    private func produce(_ batch: [UInt8], on connection: Connection, correlation: Int32) throws -> ProduceResponse.TopicProduceResponse.PartitionProduceResponse {
        var data = ProduceRequest.TopicProduceData.PartitionProduceData()
        data.records = batch
        var topic = ProduceRequest.TopicProduceData()
        topic.name = "retried"
        topic.partitionData = [data]
        var request = ProduceRequest()
        request.acks = 1
        request.timeoutMs = 5_000
        request.topicData = [topic]
        connection.send(frame(request, version: 7, correlation: correlation))
        let response = try XCTUnwrap(connection.receive())
        XCTAssertEqual(Array(response.prefix(4)), [0, 0, 0, UInt8(correlation)])
        return try XCTUnwrap(ProduceResponse.decode(Array(response.dropFirst(4)), version: 7).responses.first?.partitionResponses.first)
    }

    func testARetriedIdempotentBatchIsStoredOnce() throws {
        let connection = try Connection(port: server.port)
        var metadata = MetadataRequest()
        var wanted = MetadataRequest.MetadataRequestTopic()
        wanted.name = "retried"
        metadata.topics = [wanted]
        connection.send(frame(metadata, version: 4, correlation: 1))
        XCTAssertNotNil(connection.receive(), "metadata (auto-creating the topic)")
        func batch(_ value: String, sequence: Int32) -> [UInt8] {
            var encoder = RecordBatchEncoder()
            encoder.encode([ProducerRecord(value: Array(value.utf8), timestamp: Timestamp(milliseconds: 1_000))], baseOffset: .zero,
                           producer: ProducerIdentity(producerId: 77, producerEpoch: 0, baseSequence: sequence))
            return encoder.buffer
        }
        XCTAssertEqual(try produce(batch("first", sequence: 0), on: connection, correlation: 2).baseOffset, 0)
        let retry = try produce(batch("first", sequence: 0), on: connection, correlation: 3)
        XCTAssertEqual(retry.errorCode, 0)
        XCTAssertEqual(retry.baseOffset, 0, "the retry is answered with the original offset")
        XCTAssertEqual(try produce(batch("second", sequence: 1), on: connection, correlation: 4).baseOffset, 1)
        var corrupt = batch("third", sequence: 2)
        corrupt[corrupt.count - 1] ^= 0x55
        let refused = try produce(corrupt, on: connection, correlation: 5)
        XCTAssertEqual(refused.errorCode, 2, "CORRUPT_MESSAGE")
        let log = try EventLog.open(directory.appending("log"), mode: .readOnly)
        defer { log.close() }
        XCTAssertEqual(try log.partitions(of: "retried")[0].read(from: .zero, maxRecords: 10).map { String(decoding: $0.value ?? [], as: UTF8.self) },
                       ["first", "second"])
    }

    func testALongPollFetchWakesOnTheNextAppend() throws {
        let producer = try Connection(port: server.port)
        func batch(_ value: String) -> [UInt8] {
            var encoder = RecordBatchEncoder()
            encoder.encode([ProducerRecord(value: Array(value.utf8), timestamp: Timestamp(milliseconds: 5_000))], baseOffset: .zero)
            return encoder.buffer
        }
        var metadata = MetadataRequest()
        var wanted = MetadataRequest.MetadataRequestTopic()
        wanted.name = "retried"
        metadata.topics = [wanted]
        producer.send(frame(metadata, version: 4, correlation: 1))
        XCTAssertNotNil(producer.receive())
        XCTAssertEqual(try produce(batch("before"), on: producer, correlation: 2).baseOffset, 0)
        // A consumer at the end offset asks to wait up to 10 s for at least one byte.
        var partition = FetchRequest.FetchTopic.FetchPartition()
        partition.fetchOffset = 1
        partition.partitionMaxBytes = 1 << 20
        var topic = FetchRequest.FetchTopic()
        topic.topic = "retried"
        topic.partitions = [partition]
        var fetch = FetchRequest()
        fetch.replicaId = -1
        fetch.maxWaitMs = 10_000
        fetch.minBytes = 1
        fetch.maxBytes = 1 << 20
        fetch.topics = [topic]
        let consumer = try Connection(port: server.port)
        let started = Date()
        consumer.send(frame(fetch, version: 11, correlation: 9))
        XCTAssertFalse(consumer.isReadable(withinMs: 300), "the fetch must wait for data, not answer empty")
        XCTAssertEqual(try produce(batch("after"), on: producer, correlation: 3).baseOffset, 1)
        let response = try XCTUnwrap(consumer.receive())
        let waited = Date().timeIntervalSince(started)
        XCTAssertLessThan(waited, 3, "the long poll sat out its max wait instead of waking on the append")
        let data = try XCTUnwrap(FetchResponse.decode(Array(response.dropFirst(4)), version: 11).responses.first?.partitions.first)
        XCTAssertEqual(data.highWatermark, 2)
        XCTAssertEqual(data.logStartOffset, 0)
        let records = try XCTUnwrap(data.records)
        XCTAssertEqual(Array(records[0..<8]), [0, 0, 0, 0, 0, 0, 0, 1], "the batch at offset 1")
        XCTAssertTrue(String(decoding: records, as: UTF8.self).contains("after"))
    }

    func testSigtermStopsCleanly() throws {
        let connection = try Connection(port: server.port)
        connection.send(frame(key: 18, version: 0, correlation: 1))
        XCTAssertNotNil(connection.receive())
        XCTAssertEqual(try server.stop(), 0, server.output)
        XCTAssertTrue(server.output.contains("stopped"), server.output)
    }
}
