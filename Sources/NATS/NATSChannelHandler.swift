import NIOCore

/// Parses what the socket delivers and hands whole operations to the connection.
final class NATSChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private weak var connection: NATSConnection?
    private let generation: Int
    private var parser = ProtocolParser()

    init(connection: NATSConnection, generation: Int) {
        self.connection = connection
        self.generation = generation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { parser.feed($0) }
        do {
            while let operation = try parser.next() {
                connection?.received(operation, generation: generation, channel: context.channel)
            }
        } catch let error as NATSError {
            connection?.fail(error, generation: generation)
            context.close(promise: nil)
        } catch {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.channelClosed(generation: generation)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
