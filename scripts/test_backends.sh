#!/usr/bin/env bash
# Starts a throwaway PostgreSQL, Redis and S3 (moto) on loopback for the backend tests, or stops them.
#
#   scripts/test_backends.sh start RUN_DIR [PG_PORT] [REDIS_PORT] [S3_PORT]   prints the export lines (source them)
#   scripts/test_backends.sh stop RUN_DIR
#
# Uses Debian's packages (postgresql, redis-server) and PyPI's moto[server] and boto3. Data lives
# in RUN_DIR only; nothing is written to the system clusters. As root, PostgreSQL runs as the
# postgres user. moto runs twice: on S3_PORT with IAM authentication on, so that it checks every
# header signature (with a user and key made here), and on S3_PORT+1 without it, for presigned
# URLs and POST policies, which moto checks never and answers with a 500 once authentication is on.
set -euo pipefail

command=${1:?usage: test_backends.sh start|stop RUN_DIR [PG_PORT] [REDIS_PORT] [S3_PORT]}
run_dir=${2:?RUN_DIR missing}
pg_port=${3:-25432}
redis_port=${4:-26379}
s3_port=${5:-25000}
s3_open_port=$((s3_port + 1))

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
    for port in "$s3_port" "$s3_open_port"; do
        python3 -m moto.server -H 127.0.0.1 -p "$port" </dev/null >"$run_dir/moto-$port.log" 2>&1 &
        echo $! >"$run_dir/moto-$port.pid"
    done
    for port in "$s3_port" "$s3_open_port"; do
        for _ in $(seq 100); do
            curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
            sleep 0.1
        done
        curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null || { echo "moto did not start on $port" >&2; exit 1; }
    done
    # An IAM user allowed all of S3, and its key; then authentication on from the next request.
    s3_key=$(python3 - "http://127.0.0.1:$s3_port" <<'PY'
import sys, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
iam.create_user(UserName="swiftchat-tests")
iam.put_user_policy(UserName="swiftchat-tests", PolicyName="s3",
                    PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}')
key = iam.create_access_key(UserName="swiftchat-tests")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
)
    curl -fs -X POST -H "Content-Type: text/plain" --data-binary 0 "http://127.0.0.1:$s3_port/moto-api/reset-auth" >/dev/null
    echo "export SWIFTCHAT_TEST_DATABASE_URL=postgres://swiftchat@127.0.0.1:$pg_port/swiftchat_test?sslmode=disable"
    echo "export SWIFTCHAT_TEST_REDIS_URL=redis://127.0.0.1:$redis_port"
    echo "export SWIFTCHAT_TEST_S3_URL=http://127.0.0.1:$s3_port"
    echo "export SWIFTCHAT_TEST_S3_ACCESS_KEY_ID=${s3_key% *}"
    echo "export SWIFTCHAT_TEST_S3_SECRET_ACCESS_KEY=${s3_key#* }"
    echo "export SWIFTCHAT_TEST_S3_OPEN_URL=http://127.0.0.1:$s3_open_port"
    ;;
stop)
    for pid_file in "$run_dir"/moto-*.pid; do
        if [ -f "$pid_file" ]; then kill "$(cat "$pid_file")" 2>/dev/null || true; fi
    done
    if [ -f "$run_dir/redis.pid" ]; then kill "$(cat "$run_dir/redis.pid")" 2>/dev/null || true; fi
    if [ -d "$run_dir/pg" ]; then as_pg "$pg_bin/pg_ctl" -D "$run_dir/pg" -m fast -w stop >/dev/null || true; fi
    ;;
*)
    echo "unknown command $command" >&2
    exit 2
    ;;
esac
