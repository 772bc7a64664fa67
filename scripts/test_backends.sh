#!/usr/bin/env bash
# Starts a throwaway PostgreSQL and Redis on loopback for the backend tests, or stops them.
#
#   scripts/test_backends.sh start RUN_DIR [PG_PORT] [REDIS_PORT]   prints the export lines (source them)
#   scripts/test_backends.sh stop RUN_DIR
#
# Uses Debian's packages (postgresql, redis-server). Data lives in RUN_DIR only; nothing is
# written to the system clusters. As root, PostgreSQL runs as the postgres user.
set -euo pipefail

command=${1:?usage: test_backends.sh start|stop RUN_DIR [PG_PORT] [REDIS_PORT]}
run_dir=${2:?RUN_DIR missing}
pg_port=${3:-25432}
redis_port=${4:-26379}

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    [ -n "$pg_bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
    mkdir -p "$run_dir"
    chmod 777 "$run_dir"
    if ! as_pg test -w "$run_dir"; then
        echo "the postgres user cannot write to $run_dir: every folder above it must be searchable (chmod o+x)" >&2
        exit 1
    fi
    as_pg "$pg_bin/initdb" -D "$run_dir/pg" -U swiftchat --auth=trust -E UTF8 --no-locale >"$run_dir/initdb.log"
    as_pg "$pg_bin/pg_ctl" -D "$run_dir/pg" -l "$run_dir/postgres.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $run_dir -c fsync=off -c max_connections=1000" start >/dev/null
    as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U swiftchat swiftchat_test
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$run_dir" \
        --daemonize yes --pidfile "$run_dir/redis.pid" --logfile "$run_dir/redis.log"
    for _ in $(seq 50); do
        redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -p "$redis_port" ping >/dev/null
    echo "export SWIFTCHAT_TEST_DATABASE_URL=postgres://swiftchat@127.0.0.1:$pg_port/swiftchat_test?sslmode=disable"
    echo "export SWIFTCHAT_TEST_REDIS_URL=redis://127.0.0.1:$redis_port"
    ;;
stop)
    if [ -f "$run_dir/redis.pid" ]; then kill "$(cat "$run_dir/redis.pid")" 2>/dev/null || true; fi
    if [ -d "$run_dir/pg" ]; then as_pg "$pg_bin/pg_ctl" -D "$run_dir/pg" -m fast -w stop >/dev/null || true; fi
    ;;
*)
    echo "unknown command $command" >&2
    exit 2
    ;;
esac
