import NIOCore

/// Turns bytes from Redis into `RESPValue`s, however the replies are split across reads.
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    // Limits that stop a corrupt stream from making us buffer or recurse without bound.
    static let maxLineLength = 64 * 1024
    static let maxBulkLength = 512 * 1024 * 1024  // Redis's own proto-max-bulk-len
    static let maxDepth = 64

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try Self.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(self.wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial reply left at EOF is dropped: the command handler fails its promise as closed.
        try decode(context: context, buffer: &buffer)
    }

    /// Reads one complete value, or returns nil and consumes nothing when more bytes are needed.
    /// A value is parsed again from its start on the next read; replies are small, so this stays cheap.
    static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let value = try parseValue(&copy, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: copy.readerIndex)
        return value
    }

    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth <= maxDepth else { throw RedisClientError.protocolViolation("arrays nested too deeply") }
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        var line = buffer
        line.moveReaderIndex(forwardBy: 1)
        guard let text = try readLine(&line) else { return nil }
        buffer = line

        switch type {
        case UInt8(ascii: "+"):
            return .simpleString(text)
        case UInt8(ascii: "-"):
            return .error(text)
        case UInt8(ascii: ":"):
            guard let number = Int64(text) else { throw RedisClientError.protocolViolation("invalid integer '\(text)'") }
            return .integer(number)
        case UInt8(ascii: "$"):
            let length = try readLength(text, max: maxBulkLength)
            guard length >= 0 else { return .bulkString(nil) }
            guard buffer.readableBytes >= length + 2 else { return nil }
            let bytes = buffer.readBytes(length: length)!
            guard buffer.readBytes(length: 2) == [0x0D, 0x0A] else {
                throw RedisClientError.protocolViolation("bulk string not followed by CRLF")
            }
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            let count = try readLength(text, max: Int(Int32.max))
            guard count >= 0 else { return .array(nil) }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(count, 1024))  // the count is untrusted until the elements arrive
            for _ in 0..<count {
                guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw RedisClientError.protocolViolation("unexpected type byte 0x\(String(type, radix: 16))")
        }
    }

    /// The text up to CRLF, or nil when the line is not complete yet.
    private static func readLine(_ buffer: inout ByteBuffer) throws -> String? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            guard view.count <= maxLineLength else { throw RedisClientError.protocolViolation("line too long") }
            return nil
        }
        guard newline > view.startIndex, view[newline - 1] == UInt8(ascii: "\r") else {
            throw RedisClientError.protocolViolation("line not terminated by CRLF")
        }
        let text = buffer.readString(length: newline - 1 - view.startIndex)!
        buffer.moveReaderIndex(forwardBy: 2)
        return text
    }

    /// A bulk or array length: -1 means null, anything else below zero is invalid.
    private static func readLength(_ text: String, max: Int) throws -> Int {
        guard let length = Int(text), length >= -1, length <= max else {
            throw RedisClientError.protocolViolation("invalid length '\(text)'")
        }
        return length
    }
}
