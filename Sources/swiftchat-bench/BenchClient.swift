import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOFoundationCompat

/// A logged-in user of the bench.
struct Account: Sendable {
    let id: Int64
    let phone: String
    let token: String
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

/// REST calls over a pooled HTTP/1.1 client (AsyncHTTPClient).
struct BenchClient: Sendable {
    let http: HTTPClient
    let baseURL: String

    init(baseURL: String, connections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.baseURL = baseURL
    }

    func shutdown() async throws {
        try await http.shutdown()
    }

    /// Sends a request; returns the status and the decoded JSON body.
    @discardableResult
    func call(_ method: HTTPMethod, _ path: String, json: [String: Any]? = nil, token: String? = nil) async throws -> (status: Int, body: Any?) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "JWT \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let body = bytes.readableBytes > 0 ? try? JSONSerialization.jsonObject(with: Data(buffer: bytes), options: [.fragmentsAllowed]) : nil
        return (Int(response.status.code), body)
    }

    /// OTP request and login in dev mode: the server returns the code.
    func logIn(phone: String) async throws -> Account {
        let issued = try await call(.POST, "/api/otp/gen/phone_number/", json: ["phone_number": phone, "otp_for": "A"])
        guard issued.status == 201, let code = (issued.body as? [String: Any])?["raw_otp"] as? String, let number = Int(code) else {
            throw BenchError(description: "OTP request for \(phone) answered \(issued.status) (is the server in dev mode with rate limits off?)")
        }
        let tokens = try await call(.POST, "/api/otp/auth/", json: ["phone_number": phone, "otp": number])
        guard tokens.status == 200, let access = (tokens.body as? [String: Any])?["access_token"] as? String else {
            throw BenchError(description: "OTP login for \(phone) answered \(tokens.status)")
        }
        let me = try await call(.GET, "/api/core/user/me/", token: access)
        guard let id = (me.body as? [String: Any])?["id"] as? Int else { throw BenchError(description: "no profile for \(phone)") }
        return Account(id: Int64(id), phone: phone, token: access)
    }

    /// Logs in `count` fresh users, `concurrency` at a time.
    func logIn(count: Int, prefix: Int, concurrency: Int) async throws -> [Account] {
        try await forEach(0..<count, concurrency: concurrency) { index in
            try await logIn(phone: Self.phone(prefix: prefix, index: index))
        }
    }

    /// Pairs users (0-1, 2-3, …) with accepted interests; returns (sender, recipient, interest id).
    func befriend(_ accounts: [Account], concurrency: Int) async throws -> [(Account, Account, Int64)] {
        let pairs = stride(from: 0, to: accounts.count - 1, by: 2).map { (accounts[$0], accounts[$0 + 1]) }
        return try await forEach(pairs.indices, concurrency: concurrency) { index in
            let (a, b) = pairs[index]
            let created = try await call(.POST, "/api/my_app/interests/", json: ["sent_to": b.id], token: a.token)
            guard created.status == 201, let id = (created.body as? [String: Any])?["id"] as? Int else {
                throw BenchError(description: "interest \(a.id)->\(b.id) answered \(created.status)")
            }
            let accepted = try await call(.POST, "/api/my_app/interests/\(id)/accept_interest/", token: b.token)
            guard accepted.status == 200 else { throw BenchError(description: "accept answered \(accepted.status)") }
            return (a, b, Int64(id))
        }
    }

    /// Valid Indian mobile numbers, unique per (prefix, index): +91 98 then 8 digits.
    static func phone(prefix: Int, index: Int) -> String {
        "+9198" + String(format: "%02d%06d", prefix % 100, index % 1_000_000)
    }
}

/// Runs `body` for every element with at most `concurrency` at once, keeping the order.
func forEach<C: Collection & Sendable, T: Sendable>(
    _ items: C, concurrency: Int, _ body: @escaping @Sendable (C.Element) async throws -> T
) async throws -> [T] where C.Element: Sendable {
    try await withThrowingTaskGroup(of: (Int, T).self) { group in
        var results = [T?](repeating: nil, count: items.count)
        var iterator = items.enumerated().makeIterator()
        var running = 0
        while running < concurrency, let (index, item) = iterator.next() {
            group.addTask { (index, try await body(item)) }
            running += 1
        }
        while let (index, value) = try await group.next() {
            results[index] = value
            if let (next, item) = iterator.next() {
                group.addTask { (next, try await body(item)) }
            }
        }
        return results.map { $0! }
    }
}
