// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Rewind",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "EventLog", targets: ["EventLog"]),
        .executable(name: "rewind", targets: ["rewind"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(name: "CRC32C"),
        // Cache prefetch hints (`__builtin_prefetch`) for the `table` view's hash table.
        .target(name: "CPrefetch"),
        .systemLibrary(name: "CNcurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .target(name: "CursesTerminal", dependencies: ["CNcurses", "Explorer"]),
        .systemLibrary(name: "CCompression", providers: [.apt(["zlib1g-dev", "libsnappy-dev", "liblz4-dev", "libzstd-dev"])]),
        .target(name: "Interop", dependencies: ["EventLog", "Payloads", "Decoding", "CCompression"]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // SHA-256 for the tamper-evidence chain comes from swift-crypto (BoringSSL's SHA-NI code on Linux).
        // Strong types (Offset, Timestamp, TopicPartition), the one error type, time expressions, a
        // lock and the file-I/O seam: what every module shares, so none imports the engine for a helper.
        .target(name: "Basics"),
        .target(name: "EventLog", dependencies: ["Basics", "CRC32C", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "TestSupport", dependencies: ["Basics", "EventLog", "Scenarios"]),
        .target(name: "Payloads"),
        // Avro, Protobuf and the Confluent wire format: captured values decoded to JSON text.
        .target(name: "Decoding", dependencies: ["Basics", "EventLog", "Payloads", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "Projections", dependencies: ["EventLog", "Payloads", "Decoding", "CPrefetch"]),
        // NATS client + JetStream LogSource. Swift 5 mode: NIO handlers hand results to blocking
        // callers through locks, which Swift 6's checker cannot see through without a rewrite in actors.
        .target(name: "NATS", dependencies: ["Basics", "EventLog", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
                swiftSettings: [.swiftLanguageMode(.v5)]),
        // Kafka wire codecs; Generated/ comes from Tools/kafka-codegen.py over Tools/kafka-schemas.
        .target(name: "KafkaProtocol"),
        // `rewind serve`: Swift 5 mode like NATS, for the same reason (handlers hand work to blocking queues).
        .target(name: "KafkaServer", dependencies: ["KafkaProtocol", "Basics", "EventLog", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
                swiftSettings: [.swiftLanguageMode(.v5)]),
        // `kafka://`: a client of live Kafka clusters and their LogSource. Swift 5 mode like NATS: NIO
        // handlers hand answers to blocking callers through locks.
        .target(name: "KafkaClient", dependencies: ["KafkaProtocol", "Basics", "EventLog", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
                swiftSettings: [.swiftLanguageMode(.v5)]),
        // The one factory from what the user typed (a directory, nats://, kafka://) to `any LogSource`.
        .target(name: "LogSources", dependencies: ["EventLog", "Interop", "NATS", "KafkaClient"]),
        .target(name: "Explorer", dependencies: ["EventLog", "Projections", "Payloads", "Decoding"]),
        .target(name: "Scenarios", dependencies: ["EventLog", "Projections", "Payloads"]),
        .executableTarget(
            name: "rewind",
            dependencies: ["EventLog", "Interop", "Payloads", "Decoding", "Projections", "Scenarios", "Explorer", "CursesTerminal", "NATS", "LogSources", "KafkaServer", "KafkaClient", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Top-level benchmark code drives threads by hand; Swift 5 mode keeps it free of actor inference.
        .executableTarget(name: "RewindBench", dependencies: ["EventLog", "Projections", "Scenarios", "Explorer", "Interop", "Decoding", "CCompression", "CRC32C", "CSQLite", "NATS", "KafkaClient", "LogSources"], swiftSettings: [.swiftLanguageMode(.v5)]),
        // Built only by `make fuzz`, with -sanitize=fuzzer (main.swift starts libFuzzer's driver).
        .executableTarget(name: "RewindFuzz", dependencies: ["EventLog", "Interop", "Payloads", "Decoding", "KafkaProtocol", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .executableTarget(name: "bank-example", dependencies: ["EventLog", "Projections", "Scenarios"], path: "Examples/bank"),
        .executableTarget(name: "ratings-example", dependencies: ["EventLog", "Projections"], path: "Examples/ratings"),
        .executableTarget(name: "pipeline-example", dependencies: ["EventLog", "Scenarios"], path: "Examples/pipeline"),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "TestSupport", "CRC32C", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "InteropTests", dependencies: ["Interop", "EventLog", "Payloads", "TestSupport", "CCompression"]),
        .testTarget(name: "CLITests", dependencies: ["EventLog", "TestSupport"]),
        .testTarget(name: "ExplorerTests", dependencies: ["Explorer", "Projections", "EventLog", "Scenarios", "TestSupport", "Decoding"],
                    exclude: ["Golden"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
        .testTarget(name: "ReliabilityTests", dependencies: ["EventLog", "Interop", "TestSupport"]),
        .testTarget(name: "PayloadsTests", dependencies: ["Payloads", "TestSupport"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "Payloads", "EventLog", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "KafkaProtocolTests", dependencies: ["KafkaProtocol"]),
        // Against the real `rewind serve` binary and real clients (kcat, confluent-kafka, kafka-python).
        .testTarget(name: "KafkaServerTests", dependencies: ["EventLog", "Interop", "KafkaProtocol", "TestSupport"]),
        // Against real brokers on loopback: `rewind serve` and tansu, fed by confluent-kafka.
        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient", "EventLog", "Interop", "KafkaProtocol", "LogSources", "TestSupport"]),
        .testTarget(name: "NATSTests", dependencies: ["NATS", "EventLog", "Projections", "LogSources", "TestSupport"]),
        .testTarget(name: "ProjectionsTests", dependencies: ["Projections", "Scenarios", "EventLog", "Payloads", "TestSupport", "Interop"]),
    ]
)
