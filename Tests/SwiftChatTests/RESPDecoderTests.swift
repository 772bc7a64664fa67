import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import RedisClient

@Suite struct RESPDecoderTests {
    /// Several replies of every kind back to back, including a bulk string that contains CRLF.
    static let stream = Array(
        "+OK\r\n-ERR bad thing\r\n:-42\r\n$5\r\nhe\r\nl\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n*3\r\n*2\r\n:1\r\n$1\r\nx\r\n*1\r\n$-1\r\n+\r\n".utf8
    )
    static let values: [RESPValue] = [
        .simpleString("OK"),
        .error("ERR bad thing"),
        .integer(-42),
        .bulkString(Array("he\r\nl".utf8)),
        .bulkString([]),
        .bulkString(nil),
        .array(nil),
        .array([]),
        .array([.array([.integer(1), .bulkString(Array("x".utf8))]), .array([.bulkString(nil)]), .simpleString("")]),
    ]

    /// Feeds the chunks to a decoder in an EmbeddedChannel and returns every value it produced.
    func decode(_ chunks: [[UInt8]]) throws -> [RESPValue] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        defer { _ = try? channel.finish() }
        var values: [RESPValue] = []
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
            while let value = try channel.readInbound(as: RESPValue.self) {
                values.append(value)
            }
        }
        return values
    }

    func chunked(_ bytes: [UInt8], size: Int) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }

    @Test func decodesManyRepliesInOneRead() throws {
        #expect(try decode([Self.stream]) == Self.values)
    }

    @Test(arguments: [1, 2, 3, 5, 7, 13, 64])
    func decodesRepliesSplitAcrossReads(chunkSize: Int) throws {
        #expect(try decode(chunked(Self.stream, size: chunkSize)) == Self.values)
    }

    @Test func waitsForTheRestOfAnIncompleteReply() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(ByteBuffer(string: "*2\r\n$3\r\nfoo\r\n$3\r\nba"))
        #expect(try channel.readInbound(as: RESPValue.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "r\r\n:7"))
        #expect(try channel.readInbound(as: RESPValue.self) == .array([.bulkString(Array("foo".utf8)), .bulkString(Array("bar".utf8))]))
        #expect(try channel.readInbound(as: RESPValue.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "\r\n"))
        #expect(try channel.readInbound(as: RESPValue.self) == .integer(7))
    }

    @Test(arguments: [
        "?what\r\n",  // unknown type byte
        ":12a\r\n",  // not an integer
        "$-2\r\n",  // negative length other than -1
        "$abc\r\n",
        "$3\r\nabcd\r\n",  // bulk string longer than announced
        "*-5\r\n",
        "*1\r\n!\r\n",  // malformed element inside an array
        "+OK\n",  // LF without CR
        String(repeating: "*1\r\n", count: 100) + ":1\r\n",  // nested too deeply
        String(repeating: "x", count: 70_000),  // a line that never ends
    ])
    func rejectsMalformedInput(input: String) throws {
        // In small pieces too: the error must not depend on how the input is split.
        let bytes = Array(input.utf8)
        for chunks in [[bytes], chunked(bytes, size: bytes.count < 1000 ? 1 : 4096)] {
            let error = #expect(throws: RedisClientError.self) { try decode(chunks) }
            guard case .protocolViolation = error else {
                Issue.record("expected a protocol violation, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func encodesCommandsAsArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand([Array("SET".utf8), [0x00, 0x0D, 0x0A], []])
        #expect(Array(buffer.readableBytesView) == Array("*3\r\n$3\r\nSET\r\n$3\r\n".utf8) + [0x00, 0x0D, 0x0A] + Array("\r\n$0\r\n\r\n".utf8))
    }

    @Test func commandHandlerMatchesRepliesInOrderAndFailsPendingOnClose() throws {
        let channel = EmbeddedChannel(handler: RedisCommandHandler())
        let replies = NIOLockedValueBox<[String: Result<RESPValue, any Error>]>([:])
        for name in ["first", "second", "third"] {
            let promise = channel.eventLoop.makePromise(of: RESPValue.self)
            promise.futureResult.whenComplete { result in replies.withLockedValue { $0[name] = result } }
            try channel.writeOutbound(RedisCommand(arguments: [Array("ECHO".utf8), Array(name.utf8)], reply: promise))
        }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "*2\r\n$4\r\nECHO\r\n$5\r\nfirst\r\n"))
        try channel.writeInbound(RESPValue.integer(1))
        try channel.writeInbound(RESPValue.integer(2))
        _ = try channel.finish(acceptAlreadyClosed: false)  // fires channelInactive

        let results = replies.withLockedValue { $0 }
        #expect(try results["first"]?.get() == .integer(1))
        #expect(try results["second"]?.get() == .integer(2))
        #expect(throws: RedisClientError.connectionClosed) { try results["third"]?.get() }
    }
}
