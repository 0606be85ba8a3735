import NIOCore

/// Splits the byte stream from a broker into response frames (int32 size, then that many bytes,
/// the first four the correlation id) and hands each to the connection. A size outside
/// 4...`responseBytesMax` is not Kafka: the connection closes before anything is allocated for it.
struct KafkaResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    struct BadFrame: Error, CustomStringConvertible {
        var size: Int32
        var description: String { "response frame size \(size) outside 4...\(KafkaClientLimits.responseBytesMax)" }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 4, Int(size) <= KafkaClientLimits.responseBytesMax else { throw BadFrame(size: size) }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(buffer.readBytes(length: Int(size))!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

final class KafkaResponseHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]
    private weak var connection: BrokerConnection?

    init(connection: BrokerConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection?.received(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.lost("connection closed by the broker")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        connection?.lost("\(error)")
        context.close(promise: nil)
    }
}
