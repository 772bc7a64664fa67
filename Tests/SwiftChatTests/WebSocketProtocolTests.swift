import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// RFC 6455 as seen by a client that breaks it, in the spirit of the Autobahn test suite's case
/// groups: framing, ping and pong, reserved bits, opcodes, fragmentation, UTF-8, close codes and
/// size limits. Each case opens a raw socket (`RawWebSocket`) on a fresh server and sends frames
/// built byte by byte. A case that should leave the socket open then checks that a ping still
/// gets its pong; a case that should fail the connection checks the close code and that the
/// TCP connection ends after the close handshake. After every case the server must still answer
/// `/health/`.
@Suite("WebSocket protocol")
struct WebSocketProtocolTests {
    typealias Outgoing = RawWebSocket.OutgoingFrame
    typealias Incoming = RawWebSocket.IncomingFrame
    typealias Opcode = RawWebSocket.Opcode

    /// SWIFTCHAT_WS_MAX_FRAME_SIZE's default; the cases run with it.
    static let maxFrameSize = 65_536

    // MARK: Framing

    /// Autobahn 1.1: 125 is the longest 7-bit length, 126 and 65,535 are the ends of the 16-bit
    /// form, and 65,536 (the limit, still allowed) needs the 64-bit form.
    @Test("a text frame is read whatever the length form", arguments: [48, 125, 126, 65_535, 65_536])
    func lengthForms(size: Int) async throws {
        let frame = Outgoing.text(bytes: Self.notification(size: size))
        #expect(frame.encoded[1] & 0x7F == (size <= 125 ? UInt8(size) : size <= 0xFFFF ? 126 : 127))
        try await withRawSocket { socket in
            try await socket.send(frame)
            await Self.expectStillOpen(socket)
        }
    }

    @Test("an empty text frame gets the error frame of D8 and the socket stays open")
    func emptyTextFrame() async throws {
        try await withRawSocket { socket in
            try await socket.send(.text(""))
            await Self.expectStillOpen(socket, after: [Self.errorFrame("Frames must be JSON text.")])
        }
    }

    enum UnmaskedFrame: String, CaseIterable, Sendable {
        case text, ping

        var frame: Outgoing {
            var frame = self == .text ? Outgoing.text(bytes: WebSocketProtocolTests.notification(size: 60)) : .ping(Array("hello".utf8))
            frame.masked = false
            return frame
        }
    }

    /// RFC 6455 5.1: a server must close the connection on an unmasked client frame.
    @Test("an unmasked client frame is refused with 1002", arguments: UnmaskedFrame.allCases)
    func unmaskedFrame(_ unmasked: UnmaskedFrame) async throws {
        try await withRawSocket { socket in
            try await socket.send(unmasked.frame)
            await Self.expectClose(socket, [1002])
        }
    }

    // MARK: Ping and pong

    /// Autobahn 2.1-2.4: any payload up to 125 bytes, UTF-8 or not, comes back unchanged.
    @Test("a ping gets a pong with the same payload", arguments: [0, 1, 16, 125])
    func pingGetsItsPong(size: Int) async throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: 0xFF - $0 * 7) }
        try await withRawSocket { socket in
            try await socket.send(.ping(payload))
            await Self.expectStillOpen(socket, after: [.pong(payload)])
        }
    }

    /// Autobahn 2.10.
    @Test("ten pings in a row get ten pongs, in order")
    func pingsInARow() async throws {
        let payloads = (1...10).map { Array("ping \($0)".utf8) }
        try await withRawSocket { socket in
            try await socket.send(bytes: payloads.flatMap { Outgoing.ping($0).encoded })
            await Self.expectStillOpen(socket, after: payloads.map { .pong($0) })
        }
    }

    /// Autobahn 2.5: control frames carry at most 125 bytes.
    @Test("a ping over 125 bytes is refused with 1002", arguments: [126, 1_000])
    func oversizedPing(size: Int) async throws {
        try await withRawSocket { socket in
            try await socket.send(.ping(Array(repeating: 0x2A, count: size)))
            await Self.expectClose(socket, [1002])
        }
    }

    /// Autobahn 2.7-2.8: a pong nobody asked for is allowed and answered with nothing.
    @Test("an unsolicited pong is ignored", arguments: [0, 16, 125])
    func unsolicitedPong(size: Int) async throws {
        try await withRawSocket { socket in
            try await socket.send(.pong(Array(repeating: 0x61, count: size)))
            await Self.expectStillOpen(socket)
        }
    }

    // MARK: Reserved bits

    /// Autobahn 3.1-3.7: with no extension negotiated, every RSV bit must be 0, on any frame.
    enum ReservedBitsCase: String, CaseIterable, Sendable {
        case rsv1OnText, rsv2OnText, rsv3OnText, allOnText, rsv1And3OnBinary, rsv1OnContinuation, rsv2And3OnPing, allOnClose

        var frames: [Outgoing] {
            let message = WebSocketProtocolTests.notification(size: 60)
            func with(_ bits: UInt8, _ frame: Outgoing) -> Outgoing {
                var frame = frame
                frame.reservedBits = bits
                return frame
            }
            return switch self {
            case .rsv1OnText: [with(4, .text(bytes: message))]
            case .rsv2OnText: [with(2, .text(bytes: message))]
            case .rsv3OnText: [with(1, .text(bytes: message))]
            case .allOnText: [with(7, .text(bytes: message))]
            case .rsv1And3OnBinary: [with(5, .binary(message))]
            case .rsv1OnContinuation: [.text(bytes: Array(message[..<30]), fin: false), with(4, .continuation(Array(message[30...]), fin: true))]
            case .rsv2And3OnPing: [with(3, .ping(Array("ping".utf8)))]
            case .allOnClose: [with(7, .close(code: 1000))]
            }
        }
    }

    @Test("reserved bits without an extension are refused with 1002", arguments: ReservedBitsCase.allCases)
    func reservedBits(_ reserved: ReservedBitsCase) async throws {
        try await withRawSocket { socket in
            try await socket.send(bytes: reserved.frames.flatMap(\.encoded))
            await Self.expectClose(socket, [1002], answer: reserved != .allOnClose)
        }
    }

    // MARK: Opcodes

    /// Autobahn 4.1-4.2: 3-7 are reserved data opcodes, 0xB-0xF reserved control opcodes.
    @Test("a reserved opcode is refused with 1002", arguments: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func reservedOpcode(_ opcode: UInt8) async throws {
        try await withRawSocket { socket in
            try await socket.send(Outgoing(opcode: opcode, payload: Array("reserved".utf8)))
            await Self.expectClose(socket, [1002])
        }
    }

    // MARK: Fragmentation

    /// Autobahn 5.3-5.8 and 6.1: a message may come in any number of fragments, empty ones
    /// included, with control frames between them. The reassembled message is a valid
    /// notification-stream frame, so nothing but the pongs may come back.
    enum AcceptedFragmentation: String, CaseIterable, Sendable {
        case twoFragments, threeFragmentsWithPingsBetween, emptyFirstAndLastFragments, oneBytePerFragment

        var frames: [Outgoing] {
            let message = WebSocketProtocolTests.notification(size: 80)
            return switch self {
            case .twoFragments: WebSocketProtocolTests.fragments(message, at: [40])
            case .threeFragmentsWithPingsBetween:
                [.text(bytes: Array(message[..<20]), fin: false), .ping(Array("first".utf8)),
                 .continuation(Array(message[20..<50]), fin: false), .ping(Array("second".utf8)),
                 .continuation(Array(message[50...]), fin: true)]
            case .emptyFirstAndLastFragments: [.text(bytes: [], fin: false), .continuation(message, fin: false), .continuation([], fin: true)]
            case .oneBytePerFragment: WebSocketProtocolTests.fragments(message, at: Array(1..<message.count))
            }
        }

        var pongs: [Incoming] {
            self == .threeFragmentsWithPingsBetween ? [.pong(Array("first".utf8)), .pong(Array("second".utf8))] : []
        }
    }

    @Test("a fragmented text message is reassembled and accepted", arguments: AcceptedFragmentation.allCases)
    func acceptedFragmentation(_ fragmentation: AcceptedFragmentation) async throws {
        try await withRawSocket { socket in
            try await socket.send(bytes: fragmentation.frames.flatMap(\.encoded))
            await Self.expectStillOpen(socket, after: fragmentation.pongs)
        }
    }

    /// Autobahn 5.1-5.2 and 5.9-5.20: continuations must continue something, a message must end
    /// before the next one starts, and control frames are never fragmented.
    enum RefusedFragmentation: String, CaseIterable, Sendable {
        case continuationWithoutStart, unfinishedContinuationWithoutStart, continuationAfterAFinishedMessage
        case textDuringAFragmentedText, binaryDuringAFragmentedText, fragmentedPing, fragmentedPingDuringAFragmentedText, fragmentedClose

        var frames: [Outgoing] {
            let message = WebSocketProtocolTests.notification(size: 60)
            let start = Outgoing.text(bytes: Array(message[..<30]), fin: false)
            return switch self {
            case .continuationWithoutStart: [.continuation(message, fin: true)]
            case .unfinishedContinuationWithoutStart: [.continuation(Array(message[..<30]), fin: false), .continuation(Array(message[30...]), fin: true)]
            case .continuationAfterAFinishedMessage: [.text(bytes: message), .continuation(message, fin: true)]
            case .textDuringAFragmentedText: [start, .text(bytes: message)]
            case .binaryDuringAFragmentedText: [start, .binary(message)]
            case .fragmentedPing: [.ping(Array("frag".utf8), fin: false), .continuation(Array("ment".utf8), fin: true)]
            case .fragmentedPingDuringAFragmentedText:
                [start, .ping(Array("frag".utf8), fin: false), .continuation(Array("ment".utf8), fin: true), .continuation(Array(message[30...]), fin: true)]
            case .fragmentedClose:
                [Outgoing(fin: false, opcode: Opcode.close, payload: [0x03, 0xE8]), .continuation(Array("bye".utf8), fin: true)]
            }
        }
    }

    @Test("a broken fragment sequence is refused with 1002", arguments: RefusedFragmentation.allCases)
    func refusedFragmentation(_ fragmentation: RefusedFragmentation) async throws {
        try await withRawSocket { socket in
            try await socket.send(bytes: fragmentation.frames.flatMap(\.encoded))
            await Self.expectClose(socket, [1002])
        }
    }

    // MARK: UTF-8

    /// Autobahn 6.3-6.21: text must be valid UTF-8. Each sequence sits inside the JSON string of
    /// an otherwise valid frame, so a server that repairs text instead of checking it would
    /// accept the frame in silence.
    enum InvalidUTF8: String, CaseIterable, Sendable {
        case loneContinuationByte, overlongSlash, surrogateHalf, beyondU10FFFF, byteFF, truncatedSequence

        var bytes: [UInt8] {
            switch self {
            case .loneContinuationByte: [0x80]
            case .overlongSlash: [0xC0, 0xAF]
            case .surrogateHalf: [0xED, 0xA0, 0x80]
            case .beyondU10FFFF: [0xF4, 0x90, 0x80, 0x80]
            case .byteFF: [0xFF]
            case .truncatedSequence: [0xE2, 0x82]
            }
        }

        var message: [UInt8] { WebSocketProtocolTests.notification(around: Array("κόσμε".utf8) + bytes + Array("edited".utf8)) }
    }

    @Test("invalid UTF-8 in a text frame closes with 1007", arguments: InvalidUTF8.allCases)
    func invalidUTF8(_ invalid: InvalidUTF8) async throws {
        try await withRawSocket { socket in
            try await socket.send(.text(bytes: invalid.message))
            await Self.expectClose(socket, [1007])
        }
    }

    /// Autobahn 6.4: the fault is in a later fragment, across a fragment boundary, or a
    /// character left unfinished by the last fragment.
    enum SplitInvalidUTF8: String, CaseIterable, Sendable {
        case invalidInTheSecondFragment, surrogateSplitAcrossFragments, unfinishedCharacterAtTheEnd

        var frames: [Outgoing] {
            let message = InvalidUTF8.surrogateHalf.message
            let surrogate = message.firstRange(of: InvalidUTF8.surrogateHalf.bytes)!.lowerBound
            return switch self {
            case .invalidInTheSecondFragment: WebSocketProtocolTests.fragments(message, at: [surrogate - 4])
            case .surrogateSplitAcrossFragments: WebSocketProtocolTests.fragments(message, at: [surrogate + 1])
            case .unfinishedCharacterAtTheEnd:
                [.text(bytes: WebSocketProtocolTests.notification(around: Array("x€".utf8)), fin: false), .continuation([0xE2, 0x82], fin: true)]
            }
        }
    }

    @Test("invalid UTF-8 in a fragmented text message closes with 1007", arguments: SplitInvalidUTF8.allCases)
    func splitInvalidUTF8(_ split: SplitInvalidUTF8) async throws {
        try await withRawSocket { socket in
            try await socket.send(bytes: split.frames.flatMap(\.encoded))
            await Self.expectClose(socket, [1007])
        }
    }

    /// Autobahn 6.2: fragments may cut a character anywhere; only the whole message must be valid.
    @Test("valid UTF-8 cut inside a character by a fragment boundary is accepted", arguments: [1, 2, 3])
    func validUTF8SplitInsideACharacter(offset: Int) async throws {
        let message = Self.notification(around: Array("😀".utf8))
        let emoji = message.firstRange(of: Array("😀".utf8))!.lowerBound
        try await withRawSocket { socket in
            try await socket.send(bytes: Self.fragments(message, at: [emoji + offset]).flatMap(\.encoded))
            await Self.expectStillOpen(socket)
        }
    }

    // MARK: Close codes

    /// Autobahn 7.7: the answer is a close with the same code or 1000, and then the server ends
    /// the TCP connection.
    @Test("a close with a valid code is answered and the connection ends",
          arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] as [UInt16])
    func validCloseCode(_ code: UInt16) async throws {
        try await withRawSocket { socket in
            try await socket.send(.close(code: code, reason: Array("bye".utf8)))
            await Self.expectClose(socket, [code, 1000], answer: false)
        }
    }

    /// Autobahn 7.3.1 and 7.3.5: no payload at all (answered without a code, shown as 1005, or
    /// with 1000), and the longest reason that fits.
    @Test("a close without a payload, or with a 123-byte reason, is answered", arguments: [0, 123])
    func closeWithoutPayloadOrWithTheLongestReason(reasonLength: Int) async throws {
        try await withRawSocket { socket in
            let frame: Outgoing = reasonLength == 0 ? .close(code: nil) : .close(code: 1000, reason: Array(repeating: 0x21, count: reasonLength))
            try await socket.send(frame)
            await Self.expectClose(socket, [1000, 1005], answer: false)
        }
    }

    /// Autobahn 7.9: codes no endpoint may send (1005, 1006 and 1015 are only for reporting,
    /// the rest unassigned or out of range).
    @Test("a close with an invalid code is refused with 1002",
          arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65_535] as [UInt16])
    func invalidCloseCode(_ code: UInt16) async throws {
        try await withRawSocket { socket in
            try await socket.send(.close(code: code))
            await Self.expectClose(socket, [1002], answer: false)
        }
    }

    /// Autobahn 7.3.2 and 7.3.6: a payload of one byte cannot hold a code; over 125 bytes is too
    /// long for a control frame.
    @Test("a close with a 1-byte payload, or a payload over 125 bytes, is refused with 1002", arguments: [1, 126])
    func malformedClosePayload(size: Int) async throws {
        try await withRawSocket { socket in
            let payload: [UInt8] = size == 1 ? [0x03] : [0x03, 0xE8] + Array(repeating: 0x21, count: size - 2)
            try await socket.send(Outgoing(opcode: Opcode.close, payload: payload))
            await Self.expectClose(socket, [1002], answer: false)
        }
    }

    /// Autobahn 7.5.1: the reason must be UTF-8. RFC 6455 only says to fail the connection, and
    /// Autobahn accepts 1002 as well as 1007 here.
    @Test("a close with an invalid UTF-8 reason is refused with 1007 (or 1002)")
    func invalidUTF8CloseReason() async throws {
        try await withRawSocket { socket in
            try await socket.send(.close(code: 1000, reason: Array("κόσμε".utf8) + InvalidUTF8.surrogateHalf.bytes + Array("edited".utf8)))
            await Self.expectClose(socket, [1007, 1002], answer: false)
        }
    }

    // MARK: Size limits

    /// D8: over SWIFTCHAT_WS_MAX_FRAME_SIZE the server closes with 1009; it does not just drop
    /// the connection. The last case only announces 4 GiB and sends none of it.
    enum OversizedFrame: String, CaseIterable, Sendable {
        case oneByteOverTheLimit, oneMebibyte, fourGibibytesAnnounced

        var frame: Outgoing {
            switch self {
            case .oneByteOverTheLimit: .text(bytes: WebSocketProtocolTests.notification(size: WebSocketProtocolTests.maxFrameSize + 1))
            case .oneMebibyte: .text(bytes: WebSocketProtocolTests.notification(size: 1 << 20))
            case .fourGibibytesAnnounced:
                Outgoing(opcode: Opcode.text, payload: WebSocketProtocolTests.notification(size: 60), announcedLength: 1 << 32)
            }
        }
    }

    @Test("a frame over the size limit closes with 1009", arguments: OversizedFrame.allCases)
    func oversizedFrame(_ oversized: OversizedFrame) async throws {
        try await withRawSocket { socket in
            // The server may close before it has read everything: a failed write is no failure.
            try? await socket.send(oversized.frame)
            await Self.expectClose(socket, [1009])
        }
    }

    /// Each fragment is within the limit; the message is not.
    enum OversizedMessage: String, CaseIterable, Sendable {
        case twoFragments, fragmentsOf1000Bytes

        var frames: [Outgoing] {
            let message = WebSocketProtocolTests.notification(size: 80_000)
            return switch self {
            case .twoFragments: WebSocketProtocolTests.fragments(message, at: [40_000])
            case .fragmentsOf1000Bytes: WebSocketProtocolTests.fragments(message, at: Array(stride(from: 1_000, to: message.count, by: 1_000)))
            }
        }
    }

    @Test("a fragmented message over the size limit closes with 1009", arguments: OversizedMessage.allCases)
    func oversizedMessage(_ oversized: OversizedMessage) async throws {
        try await withRawSocket { socket in
            try? await socket.send(bytes: oversized.frames.flatMap(\.encoded))
            await Self.expectClose(socket, [1009])
        }
    }

    @Test("a fragmented message of exactly the size limit is accepted")
    func fragmentedMessageAtTheLimit() async throws {
        let message = Self.notification(size: Self.maxFrameSize)
        try await withRawSocket { socket in
            try await socket.send(bytes: Self.fragments(message, at: [20_000, 40_000]).flatMap(\.encoded))
            await Self.expectStillOpen(socket)
        }
    }
}

// MARK: - Helpers

extension WebSocketProtocolTests {
    /// How long a case waits for a close that should come, and for the TCP end after it.
    static let closeWait: Duration = .seconds(10)

    private static let notificationPrefix = Array(#"{"stream": "notification_stream", "payload": ""#.utf8)
    private static let notificationSuffix = Array(#""}"#.utf8)

    /// A client frame the server accepts and ignores: JSON text on `notification_stream`,
    /// exactly `size` bytes long (at least 48).
    static func notification(size: Int) -> [UInt8] {
        notification(around: Array(repeating: UInt8(ascii: "x"), count: size - notificationPrefix.count - notificationSuffix.count))
    }

    /// The same frame with `payload` as the bytes of its payload string.
    static func notification(around payload: [UInt8]) -> [UInt8] {
        notificationPrefix + payload + notificationSuffix
    }

    /// `message` as a text frame and continuations, cut at the given offsets.
    static func fragments(_ message: [UInt8], at cuts: [Int]) -> [Outgoing] {
        let bounds = [0] + cuts + [message.count]
        return (0..<bounds.count - 1).map { index in
            let piece = Array(message[bounds[index]..<bounds[index + 1]])
            let last = index == bounds.count - 2
            return index == 0 ? .text(bytes: piece, fin: last) : .continuation(piece, fin: last)
        }
    }

    /// The error frame of D8 with `message`.
    static func errorFrame(_ message: String) -> Incoming {
        Incoming(opcode: Opcode.text, payload: Array(#"{"stream": "error", "payload": {"message": "\#(message)"}}"#.utf8))
    }

    /// A fresh live server, a raw socket on it as Alice, the case, and then a check that the
    /// server still answers `/health/`.
    func withRawSocket(sourceLocation: SourceLocation = #_sourceLocation, _ body: @escaping @Sendable (RawWebSocket) async throws -> Void) async throws {
        try await withApp(.live) { client, _ in
            let alice = try await client.session(Demo.alice)
            let socket = try await RawWebSocket.open(port: try client.livePort(), target: "/ws/?token=\(alice.access)")
            do {
                try await body(socket)
            } catch {
                await socket.close()
                throw error
            }
            await socket.close()
            let health = try await client.call(.get, "/health/")
            #expect(health.status == .ok, "after the case /health/ answered \(health.status): \(health.text)", sourceLocation: sourceLocation)
        }
    }

    /// The socket is still open and working: a ping gets its pong, and the other frames that
    /// came are exactly `expected`. Pongs are written at once while error frames wait in the
    /// socket's queue, so the two kinds are compared apart: each in order, but an expected
    /// error frame may come before or after the pong.
    static func expectStillOpen(_ socket: RawWebSocket, after expected: [Incoming] = [], sourceLocation: SourceLocation = #_sourceLocation) async {
        let probe = Array("still there? \(UInt32.random(in: 0 ... .max))".utf8)
        do {
            try await socket.send(.ping(probe))
        } catch {
            Issue.record("the socket should still be open, but a ping could not be sent: \(error)", sourceLocation: sourceLocation)
            return
        }
        let isData = { (frame: Incoming) in frame.opcode < Opcode.close }
        let expectedData = expected.filter(isData)
        var others: [Incoming] = []
        var answered = false
        while others.count <= expected.count + 16 {
            if answered, others.filter(isData).count >= expectedData.count {
                #expect(others.filter(isData) == expectedData, "data frames", sourceLocation: sourceLocation)
                #expect(others.filter { !isData($0) } == expected.filter { !isData($0) }, "control frames", sourceLocation: sourceLocation)
                return
            }
            switch await socket.nextFrame() {
            case .frame(let frame) where !answered && frame == .pong(probe):
                answered = true
            case .frame(let frame) where frame.opcode == Opcode.close:
                Issue.record("the socket should still be open, but the server sent \(frame)\(listing(others))", sourceLocation: sourceLocation)
                return
            case .frame(let frame):
                others.append(frame)
            case .ended(let end):
                Issue.record("the socket should still be open, but the TCP connection \(end)\(listing(others))", sourceLocation: sourceLocation)
                return
            case .timedOut:
                let missing = answered ? "the expected frames did not all come" : "a ping got no pong"
                Issue.record("the socket should still be open, but \(missing) in \(RawWebSocket.defaultWait)\(listing(others))",
                             sourceLocation: sourceLocation)
                return
            }
        }
        Issue.record("too many frames\(listing(others))", sourceLocation: sourceLocation)
    }

    /// The server fails (or answers) the connection with a close frame with one of `codes` (1005
    /// standing for a close frame without a code), then ends the TCP connection: at once when
    /// the client started the close, after the client's answering close when `answer`.
    static func expectClose(_ socket: RawWebSocket, _ codes: Set<UInt16>, answer: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) async {
        let wanted = "close " + codes.sorted().map(String.init).joined(separator: " or ")
        var before: [Incoming] = []
        while before.count < 64 {
            switch await socket.nextFrame(within: closeWait) {
            case .frame(let frame) where frame.opcode == Opcode.close:
                let code = frame.closeCode ?? 1005
                #expect(codes.contains(code), "expected \(wanted); the server sent \(frame)\(listing(before))", sourceLocation: sourceLocation)
                if answer { try? await socket.send(.close(code: frame.closeCode)) }
                let end = await socket.waitForEnd(within: closeWait)
                #expect(end != nil, "after the close handshake the TCP connection is still open after \(closeWait)", sourceLocation: sourceLocation)
                return
            case .frame(let frame):
                before.append(frame)
            case .ended(let end):
                Issue.record("expected \(wanted); the TCP connection \(end) without a close frame\(listing(before))", sourceLocation: sourceLocation)
                return
            case .timedOut:
                let state = await stillOpenState(socket)
                Issue.record("expected \(wanted); nothing came in \(closeWait)\(listing(before)); \(state)", sourceLocation: sourceLocation)
                return
            }
        }
        Issue.record("expected \(wanted); no close among the first \(before.count) frames\(listing(before))", sourceLocation: sourceLocation)
    }

    /// For a report: whether a socket that did not close still answers a ping.
    private static func stillOpenState(_ socket: RawWebSocket) async -> String {
        let probe = Array("probe".utf8)
        guard (try? await socket.send(.ping(probe))) != nil else { return "a ping could not be sent" }
        for _ in 0..<16 {
            switch await socket.nextFrame(within: .seconds(3)) {
            case .frame(let frame) where frame == .pong(probe): return "the socket is still open (a ping got its pong)"
            case .frame(let frame): if frame.opcode == Opcode.close { return "a ping then got \(frame)" }
            case .ended(let end): return "after a ping the TCP connection \(end)"
            case .timedOut: return "a ping got no answer either"
            }
        }
        return "a ping got no pong"
    }

    private static func listing(_ frames: [Incoming]) -> String {
        frames.isEmpty ? "" : " (after: " + frames.map(\.description).joined(separator: "; ") + ")"
    }
}
