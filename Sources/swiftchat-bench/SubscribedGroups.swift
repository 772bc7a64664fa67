/// What the v2 group scenarios start from: groups of the first accounts, and one socket per
/// member subscribed to `chat_stream` from now on (after the groups exist, so the sockets see
/// only the posts).
struct SubscribedGroups {
    enum Prepared {
        case ready(SubscribedGroups)
        /// The machine cannot hold the sockets; the row says so.
        case skipped(Measurement)
    }

    let groups: BenchGroups
    let fleet: ChatStreamFleet
    let connected: Int
    /// "`groups` groups × `members` members", for the rows.
    let shape: String

    /// `talksBack`: the sockets can also send frames (`ChatStreamFleet.send`).
    static func prepare(_ context: ScenarioContext, accounts: [Account], scenario: String, talksBack: Bool = false) async throws -> Prepared {
        let sizes = context.sizes
        let sockets = sizes.groupCount * sizes.groupMembers
        let shape = "\(sizes.groupCount) groups × \(sizes.groupMembers) members"
        guard sockets <= socketCeiling() else {
            return .skipped(Measurement(
                scenario: scenario, parameters: shape, metrics: [], lost: 0,
                note: "skipped: RLIMIT_NOFILE allows \(socketCeiling() + 512) descriptors per process on this machine"))
        }
        let members = Array(accounts.prefix(sockets))
        let groups = try await BenchGroups.create(context.client, accounts: members, size: sizes.groupMembers)
        let fleet = ChatStreamFleet(accounts: members)
        let connected = try await fleet.openSubscribed(baseURL: context.server.baseURL, scenario: scenario, talksBack: talksBack)
        return .ready(SubscribedGroups(groups: groups, fleet: fleet, connected: connected, shape: shape))
    }
}
