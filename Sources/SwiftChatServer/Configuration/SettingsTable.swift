/// Every setting in one table: its environment name (the original's where it had one,
/// `SWIFTCHAT_`-prefixed for new ones), its default and what it does. The CLI flag is derived
/// from the name (`SWIFTCHAT_OTP_MAX_ATTEMPTS` -> `--otp-max-attempts`, `SECRET_KEY` -> `--secret-key`).
struct SettingSpec: Sendable {
    let name: String
    let defaultValue: String?
    let help: String

    var flag: String {
        let bare = name.hasPrefix("SWIFTCHAT_") ? String(name.dropFirst("SWIFTCHAT_".count)) : name
        return "--" + bare.lowercased().replacingOccurrences(of: "_", with: "-")
    }
}

public enum SettingsHelp {
    public static var text: String { SettingsTable.helpText }
}

enum SettingsTable {
    static let all: [SettingSpec] = [
        SettingSpec(name: "HOST", defaultValue: "127.0.0.1", help: "Address to listen on."),
        SettingSpec(name: "PORT", defaultValue: "8000", help: "Port to listen on."),
        SettingSpec(name: "SWIFTCHAT_ROLE", defaultValue: "all", help: "all (HTTP and WebSocket), web (HTTP only) or ws (WebSocket only); web and ws need REDIS_URL and a shared SECRET_KEY."),
        SettingSpec(name: "PROJECT_RUNNING_ENV", defaultValue: "dev", help: "\"dev\" returns OTP codes in responses and seeds default admin credentials; anything else is production mode."),
        SettingSpec(name: "SECRET_KEY", defaultValue: nil, help: "Signs JWTs and keys OTP hashes. Unset: a random key is generated once and kept beside the database. Outside dev at least 32 bytes."),
        SettingSpec(name: "DEBUG", defaultValue: "false", help: "true/false. Debug logging; never changes what clients see."),
        SettingSpec(name: "ALLOWED_HOSTS", defaultValue: "*", help: "Comma-separated hosts whose Origin may open the WebSocket (\"*\": any)."),
        SettingSpec(name: "CORS_ALLOWED_ORIGINS", defaultValue: "", help: "Comma-separated origins allowed by CORS, e.g. http://localhost:5003."),
        SettingSpec(name: "CSRF_TRUSTED_ORIGINS", defaultValue: "", help: "Space-separated origins, besides the request's own host, whose forms the admin site accepts (its CSRF Origin check). The API uses no cookies, so no CSRF check applies to it."),
        SettingSpec(name: "SWIFTCHAT_ADMIN_SESSION_LIFETIME", defaultValue: "8h", help: "How long an admin site sign-in lasts."),
        SettingSpec(name: "DATABASE_NAME", defaultValue: "data/swiftchat.sqlite3", help: "SQLite database file, used when DATABASE_URL is unset; its folder is created on first run."),
        SettingSpec(name: "DATABASE_URL", defaultValue: nil, help: "PostgreSQL instead of SQLite: postgres://user:password@host:5432/database (query: sslmode=disable|prefer|require|verify-ca|verify-full, options=-c name=value)."),
        SettingSpec(name: "SWIFTCHAT_DATABASE_CONNECTIONS", defaultValue: "20", help: "Most PostgreSQL connections this process opens."),
        SettingSpec(name: "SWIFTCHAT_DATABASE_STARTUP_WAIT", defaultValue: "30s", help: "How long serve, migrate and seed wait for PostgreSQL to accept a connection before giving up."),
        SettingSpec(name: "SWIFTCHAT_DATABASE_TIMEOUT", defaultValue: "10s", help: "How long a request waits for PostgreSQL before it is answered 503."),
        SettingSpec(name: "REDIS_URL", defaultValue: nil, help: "Redis instead of the in-process broker, so notifications reach sockets of every process: redis://[[user]:password@]host:6379[/db]. Needed by --role web and ws."),
        SettingSpec(name: "SWIFTCHAT_REDIS_CHANNEL", defaultValue: "swiftchat:events", help: "Redis pub/sub channel of the notifications; deployments sharing one Redis need different channels."),
        SettingSpec(name: "PROJECT_ADMIN_DETAIL", defaultValue: nil, help: "Phone number of the admin created at start (dev default +911234567891)."),
        SettingSpec(name: "PROJECT_ADMIN_DEFAULT_SECRET", defaultValue: nil, help: "Password of that admin (dev default @admin)."),
        SettingSpec(name: "SWIFTCHAT_DEMO_USERS", defaultValue: "true", help: "Create the five demo users at start."),
        SettingSpec(name: "SWIFTCHAT_DEMO_CONTENT", defaultValue: nil, help: "Give the demo users a few accepted interests, a group and short histories, once per database (unset: in dev mode only; needs SWIFTCHAT_DEMO_USERS)."),
        SettingSpec(name: "SWIFTCHAT_ACCESS_TOKEN_LIFETIME", defaultValue: "20d", help: "Access token lifetime (s, m, h or d suffix)."),
        SettingSpec(name: "SWIFTCHAT_REFRESH_TOKEN_LIFETIME", defaultValue: "600d", help: "Refresh token lifetime."),
        SettingSpec(name: "SWIFTCHAT_BCRYPT_COST", defaultValue: "10", help: "bcrypt cost for passwords (4-31)."),
        SettingSpec(name: "SWIFTCHAT_OTP_LIFETIME", defaultValue: "120s", help: "How long an OTP code stays valid."),
        SettingSpec(name: "SWIFTCHAT_OTP_MAX_ATTEMPTS", defaultValue: "5", help: "Wrong tries that burn a code."),
        SettingSpec(name: "SWIFTCHAT_OTP_LENGTH", defaultValue: nil, help: "Digits in a code (4-9; unset: 4 in dev mode, as the original, else 6). No code starts with 0."),
        SettingSpec(name: "SWIFTCHAT_OTP_RATE_PER_PHONE", defaultValue: "5", help: "Codes issued per phone number per code lifetime (0: no limit), so nobody can keep the owner from getting a code for longer than that."),
        SettingSpec(name: "SWIFTCHAT_OTP_FREE_FAILURES_PER_PHONE", defaultValue: "5", help: "Wrong codes per phone number per window before each further one locks the phone's codes for a growing time (1 s doubling, never longer than the code lifetime; 0: no back-off)."),
        SettingSpec(name: "SWIFTCHAT_OTP_FAILURES_PER_CLIENT", defaultValue: nil, help: "Wrong codes per client address per window before /api/otp/auth/ answers 429 (0: no limit; unset: 3, or no limit in dev mode, where responses carry the codes anyway)."),
        SettingSpec(name: "SWIFTCHAT_OTP_RATE_PER_CLIENT", defaultValue: "100", help: "OTP requests per client address per window (0: no limit)."),
        SettingSpec(name: "SWIFTCHAT_PASSWORD_RATE_PER_CLIENT", defaultValue: "100", help: "Password logins and registrations per client address per window (0: no limit)."),
        SettingSpec(name: "SWIFTCHAT_OTP_RATE_WINDOW", defaultValue: "1h", help: "The rate limit window."),
        SettingSpec(name: "SWIFTCHAT_OTP_SENDER", defaultValue: "log", help: "Outside dev: log (logs that a code was issued, never the code), webhook or twilio."),
        SettingSpec(name: "SWIFTCHAT_OTP_WEBHOOK_URL", defaultValue: nil, help: "webhook sender: URL that receives a JSON POST {phone_number, code, message}."),
        SettingSpec(name: "SWIFTCHAT_OTP_MESSAGE", defaultValue: "{code} is your SwiftChat verification code", help: "SMS text; {code} is replaced by the code."),
        SettingSpec(name: "TWILIO_ACCOUNT_SID", defaultValue: nil, help: "twilio sender: account SID."),
        SettingSpec(name: "TWILIO_AUTH_TOKEN", defaultValue: nil, help: "twilio sender: auth token."),
        SettingSpec(name: "TWILIO_FROM_NUMBER", defaultValue: nil, help: "twilio sender: sending number."),
        SettingSpec(name: "SWIFTCHAT_TWILIO_API_URL", defaultValue: "https://api.twilio.com", help: "twilio sender: API base URL."),
        SettingSpec(name: "SWIFTCHAT_TRUST_PROXY", defaultValue: "false", help: "Take the client address from X-Real-IP / X-Forwarded-For (behind nginx), when the connection comes from one of SWIFTCHAT_TRUSTED_PROXIES."),
        SettingSpec(name: "SWIFTCHAT_TRUSTED_PROXIES", defaultValue: "127.0.0.1,::1", help: "Comma-separated addresses or CIDR blocks of the proxies whose client-address headers are believed."),
        SettingSpec(name: "SWIFTCHAT_MESSAGE_RATE_PER_USER", defaultValue: "120", help: "Chat messages one user may post per minute (0: no limit); more are answered 429."),
        SettingSpec(name: "SWIFTCHAT_INTEREST_RATE_PER_USER", defaultValue: "30", help: "Interests one user may send, accept or delete per minute (0: no limit); more are answered 429."),
        SettingSpec(name: "SWIFTCHAT_SEARCH_MAX_TERMS", defaultValue: "10", help: "Most words in a ?search= query; more are answered 400."),
        SettingSpec(name: "SWIFTCHAT_USER_PRIVACY", defaultValue: nil, help: "The user list shows phone numbers and emails of the caller's contacts only, and search finds others by their whole email only (unset: on outside dev mode)."),
        SettingSpec(name: "SWIFTCHAT_LOCATION_CELL_METERS", defaultValue: "1000", help: "Shared locations are stored as the centre of a grid cell about this wide, and nearby distances rounded up to it (at least 1 km)."),
        SettingSpec(name: "SWIFTCHAT_LOCATION_LIFETIME", defaultValue: "1h", help: "How long a shared location is kept without being shared again."),
        SettingSpec(name: "SWIFTCHAT_SEARCH_MAX_TERM_LENGTH", defaultValue: "100", help: "Longest word in a ?search= query, in characters; longer is answered 400."),
        SettingSpec(name: "SWIFTCHAT_GROUP_MAX_MEMBERS", defaultValue: "1000", help: "Most members a v2 group may have."),
        SettingSpec(name: "SWIFTCHAT_PRESENCE_TTL", defaultValue: "30s", help: "How long a user stays online after their last socket goes (each process refreshes its users every third of it)."),
        SettingSpec(name: "SWIFTCHAT_MESSAGE_EDIT_WINDOW", defaultValue: "1h", help: "How long after posting a sender may edit a message's text (0: never)."),
        SettingSpec(name: "SWIFTCHAT_EVENT_RETENTION", defaultValue: "7d", help: "How long the v2 event log keeps events at least (a client away longer resyncs)."),
        SettingSpec(name: "SWIFTCHAT_EVENT_RETENTION_COUNT", defaultValue: "1000", help: "The event log also keeps at least this many of each user's latest events."),
        SettingSpec(name: "SWIFTCHAT_EVENT_PRUNE_INTERVAL", defaultValue: "10m", help: "How often events past both retention bounds are deleted."),
        SettingSpec(name: "SWIFTCHAT_MAX_MESSAGE_LENGTH", defaultValue: "10000", help: "Longest chat message, in characters."),
        SettingSpec(name: "SWIFTCHAT_MAX_BODY_SIZE", defaultValue: "1048576", help: "Largest request body, in bytes (uploads have their own limit)."),
        SettingSpec(name: "SWIFTCHAT_WEB_ASSETS_DIR", defaultValue: nil, help: "Development: serve the web client's files from this folder (Sources/SwiftChatWeb/Assets), read on every request, instead of the copies in the binary."),
        SettingSpec(name: "SWIFTCHAT_MEDIA_DIR", defaultValue: nil, help: "Folder of the attachments on local disk (unset: media/ beside the SQLite database)."),
        SettingSpec(name: "SWIFTCHAT_UPLOAD_MAX_SIZE", defaultValue: "268435456", help: "Largest attachment, in bytes; a larger upload is answered 413 before its body is read (when it says its length)."),
        SettingSpec(name: "SWIFTCHAT_UPLOAD_QUOTA", defaultValue: "2147483648", help: "Bytes of attachments each user may hold, attached or not."),
        SettingSpec(name: "SWIFTCHAT_UPLOAD_TYPES", defaultValue: MediaSettings.defaultTypes, help: "Comma-separated types an upload may be, as found in its content (never its name or claimed type); HTML, SVG and XML are never accepted."),
        SettingSpec(name: "SWIFTCHAT_UPLOAD_MAX_IMAGE_PIXELS", defaultValue: "50000000", help: "Largest image accepted, in pixels (width times height), so that no image expands into gigabytes when shown."),
        SettingSpec(name: "SWIFTCHAT_UNATTACHED_UPLOAD_LIFETIME", defaultValue: "24h", help: "An upload no message took is deleted after this long."),
        SettingSpec(name: "SWIFTCHAT_ATTACHMENT_LINK_LIFETIME", defaultValue: "1h", help: "How long a download link handed to a client works."),
        SettingSpec(name: "SWIFTCHAT_THUMBNAIL_PROGRAM", defaultValue: "vipsthumbnail", help: "The vipsthumbnail program (Debian's libvips-tools) that makes image thumbnails, found on PATH; empty or missing: no thumbnails (clients scale the image)."),
        SettingSpec(name: "SWIFTCHAT_MEDIA_SWEEP_INTERVAL", defaultValue: "1m", help: "How often deleted attachments' files and expired uploads are removed from the storage."),
        SettingSpec(name: "SWIFTCHAT_S3_BUCKET", defaultValue: nil, help: "Keep attachments in this S3-compatible bucket instead of on local disk."),
        SettingSpec(name: "SWIFTCHAT_S3_ENDPOINT", defaultValue: nil, help: "The S3 endpoint URL, e.g. http://127.0.0.1:9000 (unset: AWS's for the region)."),
        SettingSpec(name: "SWIFTCHAT_S3_REGION", defaultValue: "us-east-1", help: "The bucket's region, as signatures name it."),
        SettingSpec(name: "SWIFTCHAT_S3_ACCESS_KEY_ID", defaultValue: nil, help: "S3 access key id."),
        SettingSpec(name: "SWIFTCHAT_S3_SECRET_ACCESS_KEY", defaultValue: nil, help: "S3 secret access key."),
        SettingSpec(name: "SWIFTCHAT_S3_PATH_STYLE", defaultValue: "true", help: "true: endpoint/bucket/key URLs (most S3-compatible servers); false: bucket.endpoint/key (AWS's virtual hosts)."),
        SettingSpec(name: "SWIFTCHAT_HTTP_HEAD_TIMEOUT", defaultValue: "10s", help: "Close a connection whose first request head has not arrived (and, for a WebSocket, been admitted) this long after it opened."),
        SettingSpec(name: "SWIFTCHAT_HTTP_BODY_TIMEOUT", defaultValue: "30s", help: "Close a connection that sends nothing of a request body it started for this long."),
        SettingSpec(name: "SWIFTCHAT_HTTP_KEEPALIVE_TIMEOUT", defaultValue: "30s", help: "Close a keep-alive connection that starts no new request (or does not finish its head) this long after a response."),
        SettingSpec(name: "SWIFTCHAT_HTTP_MAX_HEAD_SIZE", defaultValue: "32768", help: "Largest request head (request line and headers) in bytes; larger is answered 431."),
        SettingSpec(name: "SWIFTCHAT_WS_HANDSHAKE_TIMEOUT", defaultValue: "5s", help: "How long a WebSocket handshake waits for its token to be checked before it is answered 503."),
        SettingSpec(name: "SWIFTCHAT_WS_MAX_SOCKETS_PER_USER", defaultValue: "20", help: "Open sockets per user in this process; one more handshake is answered 429 (one of two racing for the last place is closed with 1008; 0: no limit)."),
        SettingSpec(name: "SWIFTCHAT_WS_PING_INTERVAL", defaultValue: "20s", help: "WebSocket ping interval (0: none)."),
        SettingSpec(name: "SWIFTCHAT_WS_IDLE_TIMEOUT", defaultValue: "60s", help: "Close a WebSocket whose client sent nothing for this long (0: never). Pongs are not seen here, so it applies only when pings are off or slower; with pings on, a client that stops answering them is closed at the next ping."),
        SettingSpec(name: "SWIFTCHAT_WS_QUEUE_LIMIT", defaultValue: "256", help: "Frames queued per socket before a slow socket is closed with 1013."),
        SettingSpec(name: "SWIFTCHAT_WS_MAX_FRAME_SIZE", defaultValue: "65536", help: "Largest client frame in bytes; larger closes with 1009."),
        SettingSpec(name: "SWIFTCHAT_SWAGGER_UI_DIR", defaultValue: nil, help: "A local swagger-ui-dist folder served at /swagger/ (unset: the page loads a pinned release from a CDN with subresource integrity)."),
        SettingSpec(name: "SWIFTCHAT_LOG_LEVEL", defaultValue: "info", help: "trace, debug, info, notice, warning, error or critical."),
        SettingSpec(name: "SWIFTCHAT_ACCESS_LOG", defaultValue: "true", help: "One info line per answered request: method, path without its query string, status, duration, request id."),
        SettingSpec(name: "SWIFTCHAT_METRICS", defaultValue: "false", help: "Serve GET /metrics (Prometheus text format) on the main port. Keep it from the public: deploy/nginx.conf refuses it from outside."),
        SettingSpec(name: "SWIFTCHAT_ENV_FILE", defaultValue: ".env", help: "The .env file read at start (missing is fine)."),
    ]

    static func spec(named name: String) -> SettingSpec? { all.first { $0.name == name } }

    /// The `--help` text: every setting with its flag, variable and default.
    static var helpText: String {
        var lines = [
            "Settings, highest precedence first: command-line flag, environment variable, .env file, default.",
            "",
        ]
        for spec in all {
            let fallback = spec.defaultValue.map { $0.isEmpty ? "(empty)" : $0 } ?? "(unset)"
            lines.append("  \(spec.flag) <value>   [\(spec.name), default: \(fallback)]")
            lines.append("      \(spec.help)")
        }
        return lines.joined(separator: "\n")
    }
}
