import Dispatch
import KafkaProtocol
import NIOCore

/// One client connection. Frames are handled one at a time, in arrival order, on this connection's
/// serial worker queue (Kafka's own rule: a connection's responses come back in request order, and
/// two produces to a partition are appended in the order sent); reading continues meanwhile, so
/// requests pipeline. Back-pressure: once `inFlightRequestsMax` requests wait for their response,
/// or the socket's send buffer is full, reading stops until that drains.
final class KafkaConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = [UInt8]
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let broker: KafkaBroker
    private let registry: ConnectionRegistry
    let client: ClientInfo
    let queue: DispatchQueue
    private var inFlight = 0
    private var readHeld = false
    private var closed = false
    private let inFlightMax: Int

    init(broker: KafkaBroker, registry: ConnectionRegistry, client: ClientInfo) {
        self.broker = broker
        self.registry = registry
        self.client = client
        self.inFlightMax = broker.config.inFlightRequestsMax
        queue = DispatchQueue(label: "rewind.kafka.connection.\(client.connectionId)")
    }

    func channelActive(context: ChannelHandlerContext) {
        registry.opened(self, channel: context.channel)
        broker.logger("connection \(client.connectionId) from \(client.remoteAddress) opened")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        registry.closed(self)
        broker.logger("connection \(client.connectionId) from \(client.remoteAddress) closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        inFlight += 1
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let broker = self.broker, client = self.client
        queue.async {
            let reply = broker.handle(frame, client: client)
            loop.execute {
                let (handler, context) = bound.value
                handler.finish(reply, context: context)
            }
        }
    }

    private func finish(_ reply: BrokerReply, context: ChannelHandlerContext) {
        inFlight -= 1
        guard !closed else { return }
        switch reply {
        case let .respond(bytes):
            var buffer = context.channel.allocator.buffer(capacity: 4 + bytes.count)
            buffer.writeInteger(Int32(bytes.count))
            buffer.writeBytes(bytes)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .noResponse:
            break
        case let .close(reason):
            broker.logger("connection \(client.connectionId) from \(client.remoteAddress): \(reason); closing it")
            closed = true
            context.close(promise: nil)
            return
        }
        resumeReadingIfAllowed(context)
    }

    private func resumeReadingIfAllowed(_ context: ChannelHandlerContext) {
        guard readHeld, inFlight < inFlightMax, context.channel.isWritable else { return }
        readHeld = false
        context.read()
    }

    func read(context: ChannelHandlerContext) {
        if inFlight >= inFlightMax || !context.channel.isWritable {
            readHeld = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReadingIfAllowed(context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, inFlight == 0 {
            broker.logger("connection \(client.connectionId) from \(client.remoteAddress) idle for \(broker.config.idleTimeoutMs) ms; closing it")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !closed {
            broker.logger("connection \(client.connectionId) from \(client.remoteAddress): \(error); closing it")
        }
        closed = true
        context.close(promise: nil)
    }
}
