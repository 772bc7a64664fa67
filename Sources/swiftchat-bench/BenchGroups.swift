/// v2 groups made of consecutive accounts (the first of each owns it), and the bench's posts
/// into them.
struct BenchGroups: Sendable {
    let ids: [Int64]
    let members: [[Account]]
    /// Members per group; the last group may have fewer.
    let size: Int

    var count: Int { ids.count }

    /// Creates groups of `size` from `accounts`, in order, `concurrency` requests at a time.
    static func create(_ client: BenchClient, accounts: [Account], size: Int, concurrency: Int = 16) async throws -> BenchGroups {
        let size = max(1, size)
        let members = stride(from: 0, to: accounts.count, by: size).map { Array(accounts[$0..<min($0 + size, accounts.count)]) }
        let ids = try await forEach(members.indices, concurrency: concurrency) { index in
            let group = members[index]
            let created = try await client.call(
                .POST, "/api/v2/conversations/", json: ["title": "bench group \(index)", "members": group.dropFirst().map { Int($0.id) }],
                token: group[0].token)
            guard created.status == 201, let id = (created.body as? [String: Any])?["id"] as? Int else {
                throw BenchError(description: "creating group \(index) of \(group.count) answered \(created.status)")
            }
            return Int64(id)
        }
        return BenchGroups(ids: ids, members: members, size: size)
    }

    /// The group of the account at `index` in the list the groups were made from.
    func group(ofMember index: Int) -> Int { index / size }

    /// Post number `post`, sent now: into group `post % count`, from its members in turn, with a
    /// `client_id` that carries the send time. The returned request records a 201 in `ledger`.
    func request(post: Int, client: BenchClient, ledger: PostLedger) -> @Sendable () async -> Bool {
        let group = post % count
        let sender = members[group][(post / count) % members[group].count]
        let body: [String: String] = ["text": "bench \(post)", "client_id": ChatStreamLog.clientID(post: post, sentAt: monotonicNanos())]
        let path = "/api/v2/conversations/\(ids[group])/messages/"
        let memberCount = members[group].count
        return {
            do {
                let reply = try await client.call(.POST, path, json: body, token: sender.token)
                guard reply.status == 201 else {
                    ledger.noteFailure("answered \(reply.status)")
                    return false
                }
                ledger.record(post, in: group, members: memberCount)
                return true
            } catch {
                ledger.noteFailure("\(error)")
                return false
            }
        }
    }
}
