/// Group fan-out (v2): groups of members, every member with a socket subscribed to
/// `chat_stream`; posts into the groups at rising rates, each of which must reach every
/// member's socket (the sender's too) as `message.created`, exactly once and in seq order.
enum GroupFanOutScenario {
    static let name = "group fan-out"

    static func run(_ context: ScenarioContext, accounts: [Account]) async throws -> [Measurement] {
        let sizes = context.sizes
        let setup: SubscribedGroups
        switch try await SubscribedGroups.prepare(context, accounts: accounts, scenario: name) {
        case .ready(let ready): setup = ready
        case .skipped(let row): return [row]
        }
        let (groups, fleet, connected, shape) = (setup.groups, setup.fleet, setup.connected, setup.shape)
        var rows: [Measurement] = []
        var nextPost = 0
        var counted = (duplicates: 0, skipped: 0)
        for rate in sizes.groupRates {
            let total = Int(Double(rate) * sizes.groupSeconds)
            let ledger = PostLedger(groups: groups.count)
            let first = nextPost
            nextPost += total
            let deliveredBefore = fleet.deliveries.value
            let start = monotonicNanos()
            let failedPosts = try await OpenLoopWriter(rate: rate, count: total).run { index in
                groups.request(post: first + index, client: context.client, ledger: ledger)
            }
            let postsEnd = monotonicNanos()
            // Bounded drain: whatever has not arrived by then counts as lost.
            _ = await ChatStreamFleet.wait(seconds: 10) { fleet.deliveries.value - deliveredBefore >= ledger.deliveriesOwed.value }
            let end = monotonicNanos()
            let delivered = fleet.deliveries.value - deliveredBefore
            let missing = fleet.missing { ledger.answered(in: groups.group(ofMember: $0)) }
            let duplicates = fleet.duplicates - counted.duplicates
            let skipped = fleet.skipped - counted.skipped
            counted = (fleet.duplicates, fleet.skipped)
            let postSeconds = Double(postsEnd - start) / 1e9
            let elapsed = Double(end - start) / 1e9
            rows.append(Measurement(
                scenario: name, parameters: "\(shape), \(connected) sockets, \(rate) posts/s",
                metrics: [("posts", Double(total)), ("failed_posts", Double(failedPosts)),
                          ("posts_per_s", Double(ledger.count) / postSeconds), ("deliveries", Double(delivered)),
                          ("deliveries_per_s", Double(delivered) / elapsed)] + percentiles(fleet.takeLatencies())
                    + [("missing", Double(missing)), ("duplicates", Double(duplicates)), ("gaps", Double(skipped))],
                lost: missing + failedPosts + duplicates + skipped, note: ledger.failureNote))
            context.log("group fan-out \(rate) posts/s: \(delivered) deliveries, \(Int(Double(delivered) / elapsed))/s, missing \(missing)")
        }
        await fleet.closeAll()
        return rows
    }
}
