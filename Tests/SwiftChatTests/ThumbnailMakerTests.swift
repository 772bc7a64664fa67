import Foundation
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The real program on real images where it is installed; stand-in scripts for what happens around it.
@Suite("Thumbnails")
struct ThumbnailMakerTests {
    static let programRuns = ThumbnailMaker().isAvailable || TestBackends.required

    @Test(.enabled(if: programRuns, "needs vipsthumbnail (Debian's libvips-tools)"),
        arguments: [(1200, 800, 320, 213), (600, 1200, 160, 320), (100, 50, 100, 50)])
    func makesASmallJPEG(_ width: Int, _ height: Int, _ thumbWidth: Int, _ thumbHeight: Int) async throws {
        try await withTemporaryDirectory { folder in
            let input = folder.appendingPathComponent("image.png").path
            let output = folder.appendingPathComponent("thumb.jpg").path
            try Self.png(width: width, height: height).write(to: URL(fileURLWithPath: input))
            let thumbnail = try await ThumbnailMaker().makeThumbnail(of: input, to: output)
            #expect(thumbnail.width == thumbWidth && thumbnail.height == thumbHeight)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
            #expect(thumbnail.byteCount == bytes.count)
            let sniffed = ContentSniffer.sniff(bytes, maxImagePixels: 1_000_000)
            #expect(sniffed == .recognized(SniffedContent(mimeType: "image/jpeg", category: .image, width: thumbWidth, height: thumbHeight, fileExtension: "jpg")))
        }
    }

    @Test(.enabled(if: programRuns, "needs vipsthumbnail (Debian's libvips-tools)"))
    func aCorruptImageIsAnError() async throws {
        try await withTemporaryDirectory { folder in
            let input = folder.appendingPathComponent("broken.jpg").path
            let output = folder.appendingPathComponent("thumb.jpg").path
            // A frame header and nothing to decode.
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x03, 0x20, 0x04, 0xB0, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03,
                0x11, 0x01, 0xFF, 0xD9]
            try Data(jpeg).write(to: URL(fileURLWithPath: input))
            await #expect {
                try await ThumbnailMaker().makeThumbnail(of: input, to: output)
            } throws: { error in
                if case .failed = error as? ThumbnailMaker.Failure { true } else { false }
            }
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    /// A stand-in for the program: a shell script in `folder`. `install` writes the file that runs,
    /// not this process: a process the tests fork meanwhile would inherit a descriptor open for
    /// writing on it, and running it would then fail with "Text file busy".
    static func program(_ script: String, in folder: URL) throws -> String {
        let draft = folder.appendingPathComponent("fake-vipsthumbnail.draft").path
        let path = folder.appendingPathComponent("fake-vipsthumbnail").path
        try ("#!/bin/sh\n" + script + "\n").write(toFile: draft, atomically: false, encoding: .utf8)
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/usr/bin/install")
        install.arguments = ["-m", "755", draft, path]
        try install.run()
        install.waitUntilExit()
        try #require(install.terminationStatus == 0)
        return path
    }

    static func image(in folder: URL, width: Int = 40, height: Int = 30) throws -> String {
        let path = folder.appendingPathComponent("image.png").path
        try png(width: width, height: height).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func failure(_ body: () async throws -> ThumbnailMaker.Thumbnail) async -> ThumbnailMaker.Failure? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? ThumbnailMaker.Failure
        }
    }

    /// Whether the process whose id a script wrote is gone, or a zombie waiting for whoever adopted it.
    static func isGone(pidIn file: String) throws -> Bool {
        let pid = try #require(Int32(String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
        return state == nil || state == "Z"
    }

    @Test func aMissingProgramIsUnavailable() async throws {
        #expect(!ThumbnailMaker(program: "").isAvailable)
        #expect(!ThumbnailMaker(program: "/nonexistent/vipsthumbnail").isAvailable)
        #expect(!ThumbnailMaker(program: "no-such-program-\(UUID().uuidString)").isAvailable)
        let failure = await Self.failure { try await ThumbnailMaker(program: "").makeThumbnail(of: "/a.png", to: "/b.jpg") }
        #expect(failure == .unavailable)
    }

    @Test func aProgramIsLookedUpInAbsolutePathEntriesOnly() async throws {
        try await withTemporaryDirectory { folder in
            let program = try Self.program("exit 0", in: folder)
            let name = (program as NSString).lastPathComponent
            #expect(ThumbnailMaker.locate(name, searchPath: "/nonexistent:\(folder.path)") == folder.path + "/" + name)
            #expect(ThumbnailMaker.locate(name, searchPath: ".:\(folder.lastPathComponent)") == nil)
            #expect(ThumbnailMaker.locate(program, searchPath: "") == program)
        }
    }

    @Test func aSlowProgramIsKilled() async throws {
        try await withTemporaryDirectory { folder in
            let pidFile = folder.appendingPathComponent("pid").path
            var maker = ThumbnailMaker(program: try Self.program("echo $$ > \(pidFile)\nexec sleep 600", in: folder))
            maker.timeLimit = .milliseconds(500)
            let input = try Self.image(in: folder)
            let failure = await Self.failure { try await maker.makeThumbnail(of: input, to: folder.appendingPathComponent("t.jpg").path) }
            #expect(failure == .timedOut(.milliseconds(500)))
            #expect(try Self.isGone(pidIn: pidFile), "the program was killed, not waited for")
        }
    }

    @Test func aChildLeftBehindIsKilledWithTheRun() async throws {
        try await withTemporaryDirectory { folder in
            // The script exits at once; its background child keeps the output open, and Foundation
            // sees the exit only when that child is gone too.
            let pidFile = folder.appendingPathComponent("pid").path
            var maker = ThumbnailMaker(program: try Self.program("sleep 30 &\necho $! > \(pidFile)\nexit 4", in: folder))
            maker.timeLimit = .seconds(2)
            let input = try Self.image(in: folder)
            let failure = await Self.failure { try await maker.makeThumbnail(of: input, to: folder.appendingPathComponent("t.jpg").path) }
            #expect(failure == .timedOut(.seconds(2)))
            #expect(try Self.isGone(pidIn: pidFile), "the background child was killed with its group")
        }
    }

    @Test func aNoisyFailureKeepsOnlyTheStartOfItsOutput() async throws {
        try await withTemporaryDirectory { folder in
            let script = "echo \"$1 $2 $3 $4 $5\"\nyes | head -c 3000000 >&2\nexit 3"
            let maker = ThumbnailMaker(program: try Self.program(script, in: folder))
            let input = try Self.image(in: folder)
            let output = folder.appendingPathComponent("t.jpg").path
            let failure = await Self.failure { try await maker.makeThumbnail(of: input, to: output) }
            guard case .failed(let status, let printed) = failure else {
                Issue.record("expected a failure, got \(String(describing: failure))")
                return
            }
            #expect(status == 3)
            #expect(printed.utf8.count <= ThumbnailMaker.keptOutput)
            // The arguments: no shell in between, the size bound, the output with its options.
            #expect(printed.hasPrefix("\(input) --size 320x320> -o \(output)[Q=80,strip,background=255]\n"))
        }
    }

    @Test func successWithoutAFileIsAnError() async throws {
        try await withTemporaryDirectory { folder in
            let maker = ThumbnailMaker(program: try Self.program("exit 0", in: folder))
            let input = try Self.image(in: folder)
            let failure = await Self.failure { try await maker.makeThumbnail(of: input, to: folder.appendingPathComponent("t.jpg").path) }
            #expect(failure == .badOutput("no file was written"))
        }
    }

    @Test func anOutputThatIsNoThumbnailIsAnErrorAndRemoved() async throws {
        try await withTemporaryDirectory { folder in
            // Writes a PNG where the JPEG should be.
            let maker = ThumbnailMaker(program: try Self.program("cp \"$1\" \"${5%%\\[*}\"", in: folder))
            let input = try Self.image(in: folder)
            let output = folder.appendingPathComponent("t.jpg").path
            let failure = await Self.failure { try await maker.makeThumbnail(of: input, to: output) }
            guard case .badOutput = failure else {
                Issue.record("expected bad output, got \(String(describing: failure))")
                return
            }
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test func inputsAreCheckedBeforeTheProgramRuns() async throws {
        try await withTemporaryDirectory { folder in
            let marker = folder.appendingPathComponent("ran").path
            let maker = ThumbnailMaker(program: try Self.program("touch \(marker)", in: folder))
            let output = folder.appendingPathComponent("t.jpg").path

            let bomb = folder.appendingPathComponent("bomb.png").path
            try Data(ContentSnifferTests.png(width: 100_000, height: 100_000)).write(to: URL(fileURLWithPath: bomb))
            guard case .refused(let reason) = await Self.failure({ try await maker.makeThumbnail(of: bomb, to: output) }) else {
                Issue.record("a 100000 × 100000 PNG was not refused")
                return
            }
            #expect(reason.contains("100000 × 100000"))

            let svg = folder.appendingPathComponent("drawing.png").path
            try "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".write(toFile: svg, atomically: true, encoding: .utf8)
            #expect(await Self.failure { try await maker.makeThumbnail(of: svg, to: output) } == .notAnImage("image/svg+xml"))

            let input = try Self.image(in: folder)
            for (from, to) in [("image.png", output), (input, "thumb.jpg"), (input + "[page=2]", output), (input, folder.path + "/%s.jpg"),
                (input, folder.path + "/thumb.png")] {
                #expect(await Self.failure { try await maker.makeThumbnail(of: from, to: to) } == .unusablePath(from == input ? to : from))
            }
            #expect(await Self.failure { try await maker.makeThumbnail(of: folder.path + "/missing.png", to: output) }
                == .unreadableInput("\(folder.path)/missing.png cannot be opened"))
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }

    @Test func theProgramGetsNoneOfTheServersEnvironment() {
        let environment = ThumbnailMaker.environment
        #expect(Set(environment.keys).isSubset(of: ["PATH", "LC_ALL", "VIPS_BLOCK_UNTRUSTED", "VIPS_CONCURRENCY", "TMPDIR"]))
        #expect(environment["VIPS_BLOCK_UNTRUSTED"] == "1")
    }
}

extension ThumbnailMakerTests {
    /// A real RGB PNG with a gradient, its image data in stored (uncompressed) deflate blocks.
    static func png(width: Int, height: Int) -> Data {
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + 3 * width))
        for y in 0..<height {
            raw.append(0)  // no filter
            for x in 0..<width {
                raw += [UInt8(x * 255 / max(width - 1, 1)), UInt8(y * 255 / max(height - 1, 1)), 128]
            }
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, raw.count - offset)
            let last: UInt8 = offset + length == raw.count ? 1 : 0
            zlib += [last, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8 & 0xFF)]
            zlib += raw[offset..<offset + length]
            offset += length
        } while offset < raw.count
        zlib += bigEndian(adler32(raw))

        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
        }
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", []))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    static let crcTable: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { value, _ in value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(UInt32.max) { crcTable[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}
