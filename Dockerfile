# syntax=docker/dockerfile:1
# Build stage: a release build with the Swift standard library linked in statically.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product swiftchat \
    && cp "$(swift build -c release --show-bin-path)/swiftchat" /usr/local/bin/swiftchat

# Swagger UI's own files (not committed here), fetched and checked against the pinned hashes by
# the same script a checkout uses.
FROM debian:bookworm-slim AS swagger-ui
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
COPY scripts/fetch_swagger_ui.sh /usr/local/bin/fetch_swagger_ui.sh
RUN fetch_swagger_ui.sh /opt/swagger-ui

# Runtime stage: a slim Debian with SQLite and a non-root user; data lives in a volume.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-0 ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data swiftchat \
    && mkdir -p /data && chown swiftchat /data
COPY --from=build /usr/local/bin/swiftchat /usr/local/bin/swiftchat
COPY --from=swagger-ui /opt/swagger-ui /usr/share/swiftchat/swagger-ui
USER swiftchat
WORKDIR /data
VOLUME ["/data"]
ENV HOST=0.0.0.0 PORT=8000 DATABASE_NAME=/data/swiftchat.sqlite3 PROJECT_RUNNING_ENV=production \
    SWIFTCHAT_SWAGGER_UI_DIR=/usr/share/swiftchat/swagger-ui
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD curl -fsS "http://127.0.0.1:${PORT}/health/" || exit 1
ENTRYPOINT ["swiftchat"]
CMD ["serve"]
