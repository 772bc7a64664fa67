import Foundation

/// A large, made-up install for measuring search (`swiftchat generate-data`, then the bench's
/// `search` scenario): users with names, emails and shared locations, groups of them, and
/// messages drawn from a word list with a few common words and many rare ones, as chat text is.
/// Rows go in through the same import path as `move-data`, so both stores fill alike and the
/// search indexes (triggers, generated columns) are built as they would be by use. The same
/// sizes and seed always give the same rows, so the bench knows whom to log in as.
public struct SyntheticInstall: Sendable {
    public static let firstNames = [
        "Alice", "Rahul", "Maria", "Chen", "John", "Aisha", "Pedro", "Yuki", "Olga", "Kwame", "Sofia", "Arjun", "Lena", "Omar", "Priya",
        "Lucas", "Mei", "Ivan", "Fatima", "Noah", "Zara", "Mateo", "Hana", "Ali", "Elena", "Tariq", "Nina", "Ravi", "Sara", "Diego",
    ]
    public static let lastNames = [
        "Smith", "Sharma", "Garcia", "Wang", "Doe", "Khan", "Silva", "Tanaka", "Ivanova", "Mensah", "Rossi", "Patel", "Meyer", "Haddad",
        "Iyer", "Costa", "Liu", "Petrov", "Ahmed", "Brown", "Ali", "Lopez", "Kim", "Novak", "Aziz", "Berg", "Rao", "Cohen", "Diaz", "Nakamura",
    ]
    /// Where the sharers are: around these cities, a few tens of km out.
    public static let cities: [(latitude: Double, longitude: Double)] = [
        (48.8566, 2.3522), (19.0760, 72.8777), (40.7128, -74.0060), (35.6762, 139.6503), (-23.5505, -46.6333),
    ]
    static let words: [String] = {
        let common = ["the", "meet", "today", "tomorrow", "lunch", "thanks", "ok", "see", "you", "later", "call", "plan", "train", "late"]
        // Made-up words, each much rarer than the ones before it once drawn by Zipf's law.
        let syllables = ["ka", "lo", "mi", "ra", "tu", "ve", "zo", "ne", "shi", "po", "da", "gu"]
        var made: [String] = []
        for a in syllables { for b in syllables { for c in syllables { made.append(a + b + c) } } }
        return common + made
    }()

    public let users: Int
    public let messages: Int
    public let groupSize: Int
    /// The share of users who share a location.
    public let sharingShare = 0.8
    public let at: Date

    public init(users: Int, messages: Int, groupSize: Int = 10, at: Date) {
        precondition(users >= groupSize && groupSize >= 2 && messages >= 0)
        self.users = users
        self.messages = messages
        self.groupSize = groupSize
        self.at = at
    }

    /// The phone number of the n-th generated user (0-based): valid Indian mobile numbers.
    public static func phoneNumber(_ index: Int) -> String {
        "+9197" + String(format: "%08d", index)
    }

    /// A word the message search finds in about `1/rank`-scaled share of messages: rank 0 is the commonest.
    public static func word(rank: Int) -> String { words[min(rank, words.count - 1)] }

    var groups: Int { users / groupSize }

    /// Fills `store`, which must be empty, reporting progress as rows land.
    public func generate(into store: any ChatStore, batch: Int = 2_000, progress: @Sendable (String) -> Void) async throws {
        var random = SplitMix64(seed: 20_261_202)
        let micros = Micros.from(at)
        var userRows: [User] = []
        for index in 0..<users {
            let first = Self.firstNames[index % Self.firstNames.count], last = Self.lastNames[(index / Self.firstNames.count) % Self.lastNames.count]
            userRows.append(User(
                id: UserID(rawValue: Int64(index + 1)), phoneNumber: Self.phoneNumber(index), email: "\(first.lowercased()).\(index)@example.com",
                firstName: first, lastName: last, dateJoined: at))
            if userRows.count == batch || index == users - 1 {
                try await store.importUsers(userRows)
                userRows.removeAll(keepingCapacity: true)
                progress("users: \(index + 1) of \(users)")
            }
        }
        let perGroup = messages / groups, extra = messages % groups
        func lastMessage(of group: Int) -> Int64 { Int64((group + 1) * perGroup + min(group + 1, extra)) }
        var conversations: [[TransferValue]] = [], members: [[TransferValue]] = []
        for group in 0..<groups {
            let id = Int64(group + 1), owner = Int64(group * groupSize + 1)
            let latest: TransferValue = perGroup + (group < extra ? 1 : 0) > 0 ? .int(lastMessage(of: group)) : .null
            conversations.append([.int(id), .text("group"), .text("Group \(group + 1)"), .null, .int(micros), .int(owner), .int(micros), latest])
            for member in 0..<groupSize {
                members.append([.int(id), .int(owner + Int64(member)), .text(member == 0 ? "owner" : "member"), .int(micros), latest])
            }
            if conversations.count == batch / 10 || group == groups - 1 {
                try await store.importRows(conversations, into: .conversations)
                try await store.importRows(members, into: .members)
                conversations.removeAll(keepingCapacity: true)
                members.removeAll(keepingCapacity: true)
            }
        }
        progress("groups: \(groups) of \(groupSize) members")
        var messageRows: [ChatMessage] = []
        var id: Int64 = 0
        for group in 0..<groups {
            let count = perGroup + (group < extra ? 1 : 0)
            for _ in 0..<count {
                id += 1
                let sender = UserID(rawValue: Int64(group * groupSize) + Int64(random.next() % UInt64(groupSize)) + 1)
                let length = 3 + Int(random.next() % 10)
                let text = (0..<length).map { _ in Self.word(rank: random.zipf(count: Self.words.count)) }.joined(separator: " ")
                messageRows.append(ChatMessage(
                    id: ChatMessageID(rawValue: id), conversationID: ConversationID(rawValue: Int64(group + 1)), interestID: nil, userID: sender,
                    message: text, clientID: nil, createdAt: at.addingTimeInterval(Double(id) / 1000)))
                if messageRows.count == batch {
                    try await store.importMessages(messageRows)
                    messageRows.removeAll(keepingCapacity: true)
                    if id % 50_000 == 0 { progress("messages: \(id) of \(messages)") }
                }
            }
        }
        if !messageRows.isEmpty { try await store.importMessages(messageRows) }
        if messages % 50_000 != 0 { progress("messages: \(messages) of \(messages)") }
        var locations: [[TransferValue]] = []
        let grid = LocationGrid(cellMeters: 1000)
        let expiry = Micros.from(at.addingTimeInterval(30 * 86_400))
        for index in 0..<users where random.unit() < sharingShare {
            let city = Self.cities[index % Self.cities.count]
            // Denser in the middle: a sum of uniforms is close to a normal spread.
            let north = (random.unit() + random.unit() + random.unit() - 1.5) * 30, east = (random.unit() + random.unit() + random.unit() - 1.5) * 30
            let latitude = city.latitude + north / 111.32, longitude = city.longitude + east / (111.32 * cos(city.latitude * .pi / 180))
            let cell = grid.cell(of: try GeoPoint(latitude: latitude, longitude: longitude))
            locations.append([.int(Int64(index + 1)), .int(cell.latitudeE6), .int(cell.longitudeE6), .null, .int(expiry)])
            if locations.count == batch {
                try await store.importRows(locations, into: .locations)
                locations.removeAll(keepingCapacity: true)
            }
        }
        if !locations.isEmpty { try await store.importRows(locations, into: .locations) }
        progress("locations shared")
        try await store.finishImport(watermarks: IDWatermarks(
            users: UserID(rawValue: Int64(users)), interests: 0, messages: ChatMessageID(rawValue: id), conversations: ConversationID(rawValue: Int64(groups))))
    }
}
