import RedisClient
import Testing

@Suite struct RedisEndpointTests {
    @Test(arguments: [
        ("redis://localhost", RedisEndpoint(host: "localhost")),
        ("redis://localhost:6380/2", RedisEndpoint(host: "localhost", port: 6380, database: 2)),
        ("REDIS://cache.internal/", RedisEndpoint(host: "cache.internal")),
        ("redis://:p%40ss@host", RedisEndpoint(host: "host", password: "p@ss")),
        ("redis://alice:s3cret@host:1234/5", RedisEndpoint(host: "host", port: 1234, username: "alice", password: "s3cret", database: 5)),
        ("redis://us%20er:pa%3Ass%2F@10.0.0.1", RedisEndpoint(host: "10.0.0.1", username: "us er", password: "pa:ss/")),
        ("redis://alice@host", RedisEndpoint(host: "host", username: "alice")),
        ("redis://[::1]:7000/1", RedisEndpoint(host: "::1", port: 7000, database: 1)),
        ("redis://[fe80::1]", RedisEndpoint(host: "fe80::1")),
    ])
    func parsesValidURLs(url: String, expected: RedisEndpoint) throws {
        #expect(try RedisEndpoint(url: url) == expected)
    }

    @Test(arguments: [
        ("rediss://host:6380", "rediss:// (Redis over TLS) is not supported; use redis://"),
        ("http://host", "unsupported scheme 'http://'; expected redis://"),
        ("localhost:6379", "expected a URL of the form redis://[[username]:password@]host[:port][/database]"),
        ("redis://", "missing host"),
        ("redis://:pw@/1", "missing host"),
        ("redis://host:abc", "the port 'abc' is not a number"),
        ("redis://host:", "the port '' is not a number"),
        ("redis://host:70000", "the port 70000 is out of range 1...65535"),
        ("redis://host:0", "the port 0 is out of range 1...65535"),
        ("redis://host/-1", "the database '-1' is not a non-negative integer"),
        ("redis://host/db1", "the database 'db1' is not a non-negative integer"),
        ("redis://host/1/2", "the database '1/2' is not a non-negative integer"),
        ("redis://host/1?timeout=3", "query parameters and fragments are not supported"),
        ("redis://[::1:6379", "IPv6 address is missing its closing ']'"),
        ("redis://[::1]x", "unexpected text after the IPv6 address"),
        ("redis://::1:6379", "an IPv6 host must be written in brackets, e.g. redis://[::1]:6379"),
        ("redis://:bad%zzsecret@host", "invalid percent-encoding in the password"),
    ])
    func rejectsInvalidURLs(url: String, reason: String) {
        let error = #expect(throws: RedisEndpoint.InvalidURL.self) { try RedisEndpoint(url: url) }
        #expect(error?.reason == reason)
        #expect(error?.description == "invalid Redis URL: \(reason)")
        #expect(error?.description.contains("secret") == false)
    }

    @Test func descriptionHidesCredentials() throws {
        let endpoint = try RedisEndpoint(url: "redis://alice:s3cret@host:1234/5")
        #expect(endpoint.description == "redis://host:1234/5")
        #expect("\(endpoint)".contains("s3cret") == false)
        #expect(RedisEndpoint(host: "::1", password: "x").description == "redis://[::1]:6379/0")
    }
}
