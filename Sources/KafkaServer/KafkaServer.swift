import Dispatch
import EventLog
import KafkaProtocol
import NIOCore
import NIOPosix

/// `rewind serve`: a Kafka-protocol broker over an EventLog opened for writing.
///
/// Threads: one NIO event loop accepts, frames and writes; each connection's requests run on its
/// own serial dispatch queue (the broker blocks there: appends, fsync, long polls, group joins),
/// so the event loop never waits on the engine. The EventLog stays the single writer.
///
/// Shutdown: stop accepting, wake every wait, let each connection finish the requests it has read
/// and send their responses, close the connections; the caller then closes the log.
public final class KafkaServer: @unchecked Sendable {
    public let broker: KafkaBroker
    private let config: KafkaServerConfig
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let registry = ConnectionRegistry()
    private var serverChannel: Channel?
    private var expiryTimer: DispatchSourceTimer?
    /// Where the listener is bound (the port the kernel chose when 0 was asked).
    public private(set) var boundPort = 0

    public init(log: EventLog, config: KafkaServerConfig, logger: @escaping @Sendable (String) -> Void) throws {
        self.config = config
        broker = try KafkaBroker(log: log, config: config, logger: logger)
    }

    public var connectionCount: Int { registry.count }

    public func start() throws {
        let broker = self.broker, registry = self.registry, idleMs = Int64(config.idleTimeoutMs)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let host = channel.remoteAddress?.ipAddress ?? "?"
                    let client = ClientInfo(connectionId: registry.makeId(), remoteAddress: "\(host):\(channel.remoteAddress?.port ?? 0)", host: host)
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(allTimeout: .milliseconds(idleMs)),
                        ByteToMessageHandler(KafkaFrameDecoder()),
                        KafkaConnectionHandler(broker: broker, registry: registry, client: client),
                    ])
                }
            }
        let channel = try bootstrap.bind(host: config.listenHost, port: config.listenPort).wait()
        serverChannel = channel
        boundPort = channel.localAddress?.port ?? config.listenPort
        broker.advertisedPort = Int32(config.advertisedPort ?? boundPort)
        // Session expiry runs often enough that a 6 s session (librdkafka's minimum default is 10 s,
        // tests use 6 s) is noticed within a quarter second of ending.
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "rewind.kafka.expiry"))
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        let publisher = broker.log.isRewindLog ? LiveMembersPublisher(logDirectory: broker.log.directory, logger: broker.logger) : nil
        timer.setEventHandler {
            broker.groups.expireMembers()
            publisher?.update(broker.groups)
        }
        timer.resume()
        expiryTimer = timer
    }

    /// Stops accepting, answers what connections already sent, closes them. Idempotent.
    public func shutdown() {
        guard let channel = serverChannel else { return }
        serverChannel = nil
        try? channel.close().wait()
        expiryTimer?.cancel()
        broker.stop()
        for (handler, connection) in registry.all {
            handler.queue.sync {} // every request read so far has been handled…
            try? connection.eventLoop.submit {}.wait() // …and its response handed to the socket
            try? connection.close().wait()
        }
        try? group.syncShutdownGracefully()
    }
}
