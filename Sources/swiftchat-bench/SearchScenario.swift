import Foundation

/// Search latency on a large install made by `swiftchat generate-data`: the user list's search,
/// nearby users and message search, each asked one request at a time (latency, not throughput)
/// by members of the generated groups.
enum SearchScenario {
    /// `SyntheticInstall.phoneNumber`: the n-th generated user.
    static func generatedPhone(_ index: Int) -> String { "+9197" + String(format: "%08d", index) }

    /// What people type: starts of names and emails, whole phone numbers.
    static let userQueries = ["ali", "rahul", "mar", "sm", "chen wang", "pri", "o", "lena meyer", "zzz", "diego.1"]
    /// Common words, middling ones and rare made-up ones of the generated text, and a phrase.
    static let messageQueries = ["lunch", "meet today", "kalomi", "rapoda", "\"see you\"", "tu*", "zozozo", "train late", "shine", "vegugu"]
    /// The generated cities, with points a few km off their centres.
    static let places: [(Double, Double)] = [(48.8566, 2.3522), (19.0760, 72.8777), (40.7128, -74.0060), (35.6762, 139.6503), (-23.5505, -46.6333)]

    static func run(_ context: ScenarioContext, generatedUsers: Int, requests: Int) async throws -> [Measurement] {
        guard generatedUsers >= 10 else { throw BenchError(description: "search needs --generated-users (the --users given to generate-data)") }
        let searchers = try await forEach(0..<10, concurrency: 4) { index in
            try await context.client.logIn(phone: generatedPhone(index * (generatedUsers / 10)))
        }
        var kinds: [(String, (Int) -> String)] = [
            ("users: ?search= (name or email start), limit 20", { "/api/core/user/?search=\(escape(userQueries[$0 % userQueries.count]))&limit=20" }),
            ("users: ?search= (a phone number)", { "/api/core/user/?search=\(escape(generatedPhone(($0 * 7919) % generatedUsers)))&limit=20" }),
        ]
        for radius in [5, 50] {
            kinds.append(("nearby: radius \(radius) km, limit 20", { index in
                let (lat, lon) = places[index % places.count]
                let jitter = Double(index % 17) / 100
                return "/api/v2/users/nearby/?lat=\(lat + jitter)&lon=\(lon - jitter)&radius_km=\(radius)&limit=20"
            }))
        }
        kinds.append(("messages: ?q= over the searcher's groups, limit 20", { "/api/v2/search/messages/?q=\(escape(messageQueries[$0 % messageQueries.count]))" }))
        var rows: [Measurement] = []
        for (name, path) in kinds {
            let histogram = LatencyRecorder()
            var failures = 0
            var found = 0
            for index in 0..<requests {
                let begin = monotonicNanos()
                let reply = try? await context.client.call(.GET, path(index), token: searchers[index % searchers.count].token)
                histogram.record((monotonicNanos() - begin) / 1000)
                if reply?.status != 200 { failures += 1 }
                if let results = (reply?.body as? [String: Any])?["results"] as? [Any] { found += results.count }
            }
            let latencies = histogram.take()
            rows.append(Measurement(
                scenario: "search", parameters: name,
                metrics: [("requests", Double(requests)), ("mean_results", Double(found) / Double(requests))] + percentiles(latencies),
                lost: failures))
            context.log("search \(name): p50 \(Double(latencies.valueAtPercentile(50)) / 1000) ms, p99 \(Double(latencies.valueAtPercentile(99)) / 1000) ms")
        }
        return rows
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
