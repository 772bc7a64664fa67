import Foundation

/// The run's results as a markdown table and a JSON document, with what was measured on.
struct Report {
    let rows: [Measurement]
    let failures: [String]
    let sizes: BenchSizes
    let quick: Bool
    let server: ServerUnderTest
    let serverCore: Int?
    let benchCore: Int?

    var environment: [(String, String)] {
        [("date", ISO8601DateFormatter().string(from: Date())),
         ("commit", Self.commandOutput("/usr/bin/git", ["rev-parse", "--short", "HEAD"]) ?? "unknown"),
         ("cores", String(ProcessInfo.processInfo.activeProcessorCount)),
         ("server_core", serverCore.map(String.init) ?? "not pinned"),
         ("bench_core", benchCore.map(String.init) ?? "not pinned"),
         ("kernel", Self.commandOutput("/usr/bin/uname", ["-sr"]) ?? "unknown"),
         ("mode", quick ? "quick" : "full")]
    }

    var markdown: String {
        var lines = ["| Scenario | Parameters | Results | Lost |", "|---|---|---|---|"]
        for row in rows {
            let metrics = row.metrics.map { "\($0.0) \(Self.format($0.1))" }.joined(separator: ", ")
            let results = [metrics, row.note ?? ""].filter { !$0.isEmpty }.joined(separator: "; ")
            lines.append("| \(row.scenario) | \(row.parameters) | \(results) | \(row.lost) |")
        }
        lines.append("")
        lines.append(environment.map { "\($0.0): \($0.1)" }.joined(separator: "; "))
        if !server.settings.isEmpty {
            let shown = server.settings.filter { $0.key.hasPrefix("SWIFTCHAT_") }.sorted { $0.key < $1.key }
            lines.append("server settings: " + shown.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        for failure in failures { lines.append("FAILED: \(failure)") }
        return lines.joined(separator: "\n") + "\n"
    }

    var json: String {
        let document: [String: Any] = [
            "environment": Dictionary(uniqueKeysWithValues: environment),
            "server_settings": server.settings,
            "results": rows.map { row -> [String: Any] in
                var entry: [String: Any] = ["scenario": row.scenario, "parameters": row.parameters, "lost": row.lost]
                entry["metrics"] = Dictionary(row.metrics, uniquingKeysWith: { first, _ in first })
                if let note = row.note { entry["note"] = note }
                return entry
            },
            "failures": failures,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.2f", value)
    }

    static func commandOutput(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !text.isEmpty ? text : nil
    }
}
