/// Reconnect storm (v2): sockets subscribed to `chat_stream` in groups that keep receiving
/// posts; every socket is dropped at once, stays away a while, then reconnects and resubscribes
/// with the last seq it saw. Measures how long until every socket has caught up (holds every
/// event up to the `latest_seq` its new subscription names) and checks that each ends with
/// every post of its group exactly once, in seq order.
enum ReconnectStormScenario {
    static let name = "reconnect storm"
    /// Posts flow this long before the drop and after the reconnect starts.
    static let liveSeconds = 1.0

    static func run(_ context: ScenarioContext, accounts: [Account]) async throws -> [Measurement] {
        let sizes = context.sizes
        let count = min(sizes.stormSockets, socketCeiling(), accounts.count)
        let users = Array(accounts.prefix(count))
        let groups = try await BenchGroups.create(context.client, accounts: users, size: min(sizes.stormGroupMembers, count))
        let fleet = ChatStreamFleet(accounts: users)
        _ = try await fleet.openSubscribed(baseURL: context.server.baseURL, scenario: name)

        let ledger = PostLedger(groups: groups.count)
        let posts = Int(Double(sizes.stormRate) * (2 * liveSeconds + sizes.stormAwaySeconds))
        let writer = Task {
            try await OpenLoopWriter(rate: sizes.stormRate, count: posts).run { post in
                groups.request(post: post, client: context.client, ledger: ledger)
            }
        }
        try await Task.sleep(for: .seconds(liveSeconds))
        let dropStart = monotonicNanos()
        await fleet.closeAll()
        let dropped = Double(monotonicNanos() - dropStart) / 1e6
        try await Task.sleep(for: .seconds(sizes.stormAwaySeconds))

        let readsBefore = try await eventLogReads(context.client)
        let resumeStart = monotonicNanos()
        for log in fleet.logs { log.resume(startedAt: resumeStart) }
        let reconnected = await fleet.open(baseURL: context.server.baseURL)
        let reconnectMillis = Double(monotonicNanos() - resumeStart) / 1e6
        _ = await ChatStreamFleet.wait(seconds: 30) { fleet.logs.allSatisfy { $0.caughtUpAfter != nil } }
        // Includes the reads of live wake-ups while the sockets caught up, as posts keep coming.
        let readsPerResume = Double(try await eventLogReads(context.client) - readsBefore) / Double(max(reconnected, 1))
        let catchUps = fleet.logs.compactMap(\.caughtUpAfter)
        let catchUpLatencies = LatencyRecorder()
        for nanos in catchUps { catchUpLatencies.record(nanos / 1000) }
        let replayed = fleet.logs.map(\.replayed)

        let failedPosts = try await writer.value
        // Bounded drain: every answered post must reach every member's socket.
        _ = await ChatStreamFleet.wait(seconds: 10) { fleet.deliveries.value >= ledger.deliveriesOwed.value }
        let missing = fleet.missing { ledger.answered(in: groups.group(ofMember: $0)) }
        let (duplicates, skipped, resyncs) = (fleet.duplicates, fleet.skipped, fleet.resyncs)
        await fleet.closeAll()

        let notCaughtUp = count - catchUps.count
        let allCaughtUpMillis = Double(catchUps.max() ?? 0) / 1e6
        let catchUpPercentiles: [(String, Double)] = percentiles(catchUpLatencies.take())
            .filter { $0.0 != "p99.9_ms" }.map { ("catch_up_" + $0.0, $0.1) }
        let replay: [(String, Double)] = [
            ("replayed_per_socket", Double(replayed.reduce(0, +)) / Double(max(count, 1))), ("replayed_max", Double(replayed.max() ?? 0))]
        let checks: [(String, Double)] = [
            ("posts", Double(posts)), ("failed_posts", Double(failedPosts)), ("missing", Double(missing)),
            ("duplicates", Double(duplicates)), ("gaps", Double(skipped)), ("resyncs", Double(resyncs))]
        let resumed: [(String, Double)] = [
            ("resumed", Double(reconnected)), ("reconnect_ms", reconnectMillis), ("caught_up", Double(catchUps.count)),
            ("all_caught_up_ms", allCaughtUpMillis), ("store_reads_per_resume", readsPerResume)]
        context.log("reconnect storm: \(catchUps.count) of \(count) caught up in \(Report.format(allCaughtUpMillis)) ms, missing \(missing)")
        let parameters = "\(count) sockets, groups of \(groups.size), \(sizes.stormRate) posts/s, \(Report.format(sizes.stormAwaySeconds)) s away"
        return [Measurement(
            scenario: name, parameters: parameters,
            metrics: resumed + catchUpPercentiles + replay + [("drop_ms", dropped)] + checks,
            lost: notCaughtUp + missing + failedPosts + duplicates + skipped + resyncs,
            note: ledger.failureNote)]
    }

    /// The server's count of store reads for event-log readers (the health route shows it).
    static func eventLogReads(_ client: BenchClient) async throws -> Int {
        let reply = try await client.call(.GET, "/health/")
        guard let reads = (reply.body as? [String: Any])?["event_log_reads"] as? Int else {
            throw BenchError(description: "the health route shows no event_log_reads")
        }
        return reads
    }
}
