import KafkaProtocol
import NIOCore

/// Splits the byte stream into frames: a big-endian int32 size, then that many bytes. A size below
/// the 8 bytes every request header has, or above `KafkaLimits.frameBytesMax`, is not Kafka: the
/// connection is closed (the error names the size) before anything is allocated for it.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    struct BadFrame: Error, CustomStringConvertible {
        var size: Int32
        var description: String { "frame size \(size) outside 8...\(KafkaLimits.frameBytesMax)" }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 8, Int(size) <= KafkaLimits.frameBytesMax else { throw BadFrame(size: size) }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readBytes(length: Int(size))!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
