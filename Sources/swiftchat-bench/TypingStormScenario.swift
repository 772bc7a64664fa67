/// Typing beside messages (v2): the group fan-out's groups and sockets, posts at one rate, first
/// alone, then while every member announces typing every 3 s (the rate a client repeats it).
/// Typing is relayed, never stored; the question is whether it slows message delivery, so both
/// phases report post-to-`message.created` latency side by side.
enum TypingStormScenario {
    static let name = "typing storm"
    static let typingInterval = 3.0

    static func run(_ context: ScenarioContext, accounts: [Account]) async throws -> [Measurement] {
        let sizes = context.sizes
        let setup: SubscribedGroups
        switch try await SubscribedGroups.prepare(context, accounts: accounts, scenario: name, talksBack: true) {
        case .ready(let ready): setup = ready
        case .skipped(let row): return [row]
        }
        let (groups, fleet, connected, shape) = (setup.groups, setup.fleet, setup.connected, setup.shape)
        let rate = sizes.groupRates.first ?? 100
        var rows: [Measurement] = []
        var nextPost = 0
        for typing in [false, true] {
            let total = Int(Double(rate) * sizes.groupSeconds)
            let ledger = PostLedger(groups: groups.count)
            let first = nextPost
            nextPost += total
            let deliveredBefore = fleet.deliveries.value
            let relayedBefore = fleet.relayed.value
            let storm = typing ? Task { await typeAway(fleet, groups: groups, sockets: connected) } : nil
            let failedPosts = try await OpenLoopWriter(rate: rate, count: total).run { index in
                groups.request(post: first + index, client: context.client, ledger: ledger)
            }
            _ = await ChatStreamFleet.wait(seconds: 10) { fleet.deliveries.value - deliveredBefore >= ledger.deliveriesOwed.value }
            storm?.cancel()
            let typed = await storm?.value ?? 0
            let missing = fleet.missing { ledger.answered(in: groups.group(ofMember: $0)) }
            rows.append(Measurement(
                scenario: name,
                parameters: "\(shape), \(connected) sockets, \(rate) posts/s, " + (typing ? "every member typing every 3 s" : "no typing"),
                metrics: [("posts", Double(total)), ("failed_posts", Double(failedPosts)), ("typing_frames_sent", Double(typed)),
                          ("typing_frames_received", Double(fleet.relayed.value - relayedBefore))]
                    + percentiles(fleet.takeLatencies()) + [("missing", Double(missing))],
                lost: missing + failedPosts, note: ledger.failureNote))
            context.log("typing storm \(typing ? "on" : "off"): \(typed) typing frames sent, missing \(missing)")
        }
        await fleet.closeAll()
        return rows
    }

    /// Every socket announces typing in its group every `typingInterval`, spread evenly over the
    /// interval; returns how many frames were sent when cancelled.
    private static func typeAway(_ fleet: ChatStreamFleet, groups: BenchGroups, sockets: Int) async -> Int {
        let gap = UInt64(typingInterval * 1e9) / UInt64(max(sockets, 1))
        var sent = 0
        let begin = monotonicNanos()
        while !Task.isCancelled {
            let socket = sent % sockets
            let due = begin + UInt64(sent) * gap
            let now = monotonicNanos()
            if due > now { try? await Task.sleep(for: .nanoseconds(Int64(due - now))) }
            let conversation = groups.ids[groups.group(ofMember: socket)]
            fleet.send(#"{"stream":"chat_stream","payload":{"type":"typing","conversation":\#(conversation)}}"#, fromSocket: socket)
            sent += 1
        }
        return sent
    }
}
