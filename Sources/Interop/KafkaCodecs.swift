import Glibc
import CCompression
import EventLog

/// Decompression of every codec Kafka writes, plugged into the engine's `BatchDecompressor` hook:
///
/// - gzip: RFC 1952 (zlib's inflate with header detection);
/// - snappy: Kafka's Java client writes xerial framing — an 8-byte magic `82 'SNAPPY' 00`, version
///   and compatible-version int32s, then blocks of (int32 BE length, raw snappy block); raw snappy
///   without the header is accepted too (librdkafka writes it);
/// - lz4: the standard LZ4 frame format (magic 2 batches; the legacy header-checksum quirk of
///   magic 0/1 writers is not checked by LZ4F, so both read);
/// - zstd: one or more zstd frames, streamed (frames may omit their content size).
///
/// Every path stops at `limit` output bytes: a hostile batch can't make us allocate without bound.
public struct KafkaCodecs: BatchDecompressor {
    public init() {}

    public func decompress(_ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws {
        switch codec {
        case .none: output.append(contentsOf: input)
        case .gzip: try gunzip(input, into: &output, limit: limit)
        case .snappy: try unsnappy(input, into: &output, limit: limit)
        case .lz4: try unlz4(input, into: &output, limit: limit)
        case .zstd: try unzstd(input, into: &output, limit: limit)
        }
    }

    static func failure(_ codec: CompressionCodec, _ why: String) -> EventLogError {
        EventLogError(.corruptBatch, "\(codec) data does not decompress: \(why)")
    }

    private func grow(_ output: inout [UInt8], by count: Int, limit: Int, _ codec: CompressionCodec) throws -> Int {
        let start = output.count
        guard start < limit else { throw Self.failure(codec, "more than \(limit) bytes (limit)") }
        output.append(contentsOf: repeatElement(0, count: min(count, limit - start)))
        return start
    }

    private func gunzip(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws {
        var stream = z_stream()
        guard rewind_inflate_init(&stream) == Z_OK else { throw Self.failure(.gzip, "inflateInit failed") }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while true {
            let start = try grow(&output, by: max(64 << 10, input.count * 4), limit: limit, .gzip)
            let available = output.count - start
            let status: Int32 = output.withUnsafeMutableBytes { buffer in
                stream.next_out = buffer.baseAddress!.advanced(by: start).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(available)
                return inflate(&stream, Z_NO_FLUSH)
            }
            output.removeLast(Int(stream.avail_out))
            if status == Z_STREAM_END {
                // Concatenated gzip members are legal; continue with the next one if bytes remain.
                if stream.avail_in > 0, inflateReset(&stream) == Z_OK { continue }
                return
            }
            guard status == Z_OK || status == Z_BUF_ERROR else { throw Self.failure(.gzip, "inflate error \(status)") }
            if status == Z_BUF_ERROR && stream.avail_in == 0 { throw Self.failure(.gzip, "truncated stream") }
        }
    }

    private static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]

    private func unsnappy(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws {
        guard input.count >= 16, input.prefix(8).elementsEqual(Self.xerialMagic) else {
            return try unsnappyBlock(input, into: &output, limit: limit)
        }
        var position = 16
        while position < input.count {
            guard position + 4 <= input.count else { throw Self.failure(.snappy, "truncated xerial block header") }
            let length = Int(UInt32(input[position]) << 24 | UInt32(input[position + 1]) << 16 | UInt32(input[position + 2]) << 8 | UInt32(input[position + 3]))
            position += 4
            guard length <= input.count - position else { throw Self.failure(.snappy, "xerial block of \(length) bytes exceeds the data") }
            try unsnappyBlock(UnsafeRawBufferPointer(rebasing: input[position..<(position + length)]), into: &output, limit: limit)
            position += length
        }
    }

    private func unsnappyBlock(_ block: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws {
        guard let base = block.baseAddress?.assumingMemoryBound(to: CChar.self) else { return }
        var length = 0
        guard snappy_uncompressed_length(base, block.count, &length) == SNAPPY_OK else { throw Self.failure(.snappy, "bad block header") }
        guard length <= limit - output.count else { throw Self.failure(.snappy, "block of \(length) bytes exceeds the limit") }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: length))
        var produced = length
        let status = output.withUnsafeMutableBytes { buffer in
            snappy_uncompress(base, block.count, buffer.baseAddress!.advanced(by: start).assumingMemoryBound(to: CChar.self), &produced)
        }
        guard status == SNAPPY_OK, produced == length else { throw Self.failure(.snappy, "corrupt block") }
    }

    private func unlz4(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0 else { throw Self.failure(.lz4, "no context") }
        defer { LZ4F_freeDecompressionContext(context) }
        var consumed = 0
        var hint = 1
        while consumed < input.count {
            let start = try grow(&output, by: max(64 << 10, input.count * 4), limit: limit, .lz4)
            var produced = output.count - start
            var read = input.count - consumed
            hint = output.withUnsafeMutableBytes { buffer in
                LZ4F_decompress(context, buffer.baseAddress!.advanced(by: start), &produced, input.baseAddress!.advanced(by: consumed), &read, nil)
            }
            output.removeLast(output.count - start - produced)
            guard LZ4F_isError(hint) == 0 else { throw Self.failure(.lz4, String(cString: LZ4F_getErrorName(hint))) }
            consumed += read
            if hint == 0 && consumed >= input.count { return }
            if read == 0 && produced == 0 { throw Self.failure(.lz4, "truncated frame") }
        }
        // LZ4F's hint is 0 only once a frame is complete; anything else means the input stopped short.
        guard hint == 0 else { throw Self.failure(.lz4, "truncated frame") }
    }

    private func unzstd(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws {
        guard !input.isEmpty else { throw Self.failure(.zstd, "empty input") }
        // Producers write one frame with its size in the header: decompress it in one call into an
        // exactly sized buffer with this thread's reused context. A fresh stream per batch, grown
        // 64 KiB at a time, ran at 0.8× `zstd -d`; this path is the `RewindBench --interop-only` zstd figure.
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        if declared != ZSTD_CONTENTSIZE_UNKNOWN, declared != ZSTD_CONTENTSIZE_ERROR, declared > 0,
           ZSTD_findFrameCompressedSize(input.baseAddress, input.count) == input.count, let context = ZstdContext.current {
            guard declared <= UInt64(limit - output.count) else { throw Self.failure(.zstd, "more than \(limit) bytes (limit)") }
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: Int(declared)))
            let result = output.withUnsafeMutableBytes { buffer in
                ZSTD_decompressDCtx(context, buffer.baseAddress!.advanced(by: start), Int(declared), input.baseAddress, input.count)
            }
            guard ZSTD_isError(result) == 0, result == Int(declared) else {
                output.removeLast(Int(declared))
                throw Self.failure(.zstd, ZSTD_isError(result) != 0 ? String(cString: ZSTD_getErrorName(result)) : "frame shorter than it declares")
            }
            return
        }
        guard let stream = ZSTD_createDStream() else { throw Self.failure(.zstd, "no stream") }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var last = 0
        while source.pos < source.size {
            let start = try grow(&output, by: max(64 << 10, input.count * 4), limit: limit, .zstd)
            let available = output.count - start
            var produced = 0
            last = output.withUnsafeMutableBytes { buffer in
                var destination = ZSTD_outBuffer(dst: buffer.baseAddress!.advanced(by: start), size: available, pos: 0)
                let result = ZSTD_decompressStream(stream, &destination, &source)
                produced = destination.pos
                return result
            }
            output.removeLast(available - produced)
            guard ZSTD_isError(last) == 0 else { throw Self.failure(.zstd, String(cString: ZSTD_getErrorName(last))) }
            if produced == 0 && source.pos < source.size && last != 0 && available > 0 && output.count >= limit { throw Self.failure(.zstd, "exceeds the limit") }
        }
        guard last == 0 else { throw Self.failure(.zstd, "truncated frame") }
    }
}

/// One zstd decompression context per thread, kept for the thread's life: creating one per batch
/// (a ~100 KiB allocation, mapped and unmapped each time) cost more than decompressing small batches.
enum ZstdContext {
    nonisolated(unsafe) private static var key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in ZSTD_freeDCtx(OpaquePointer(pointer)) }
        return key
    }()

    static var current: OpaquePointer? {
        if let existing = pthread_getspecific(key) { return OpaquePointer(existing) }
        guard let context = ZSTD_createDCtx() else { return nil }
        pthread_setspecific(key, UnsafeRawPointer(context))
        return context
    }
}
