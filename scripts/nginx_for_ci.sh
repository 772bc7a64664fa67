#!/usr/bin/env bash
# Runs deploy/nginx.conf as a local test instance, in front of servers on loopback addresses.
#
#   scripts/nginx_for_ci.sh start RUN_DIR LISTEN_PORT WEB_ADDR WS_ADDR [WS_ADDR...]
#   scripts/nginx_for_ci.sh stop RUN_DIR
#   scripts/nginx_for_ci.sh check
#
# start  renders deploy/nginx.conf into RUN_DIR/nginx.conf (listening on 127.0.0.1:LISTEN_PORT,
#        upstreams WEB_ADDR and WS_ADDR..., each 127.x.x.x:PORT or [::1]:PORT; pid, logs and
#        temp folders in RUN_DIR; no `user` line), checks it with nginx -t, starts nginx with it
#        and waits until the port accepts connections.
# stop   asks that nginx to finish (QUIT, then TERM after 10 s) and waits for it to exit.
# check  renders with dummy loopback upstreams into a temporary folder and runs only nginx -t.
#
# NGINX names the binary (default: /usr/sbin/nginx, Debian's, else nginx on PATH).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
template="$repo/deploy/nginx.conf"
nginx_bin=${NGINX:-/usr/sbin/nginx}
[[ -x "$nginx_bin" ]] || nginx_bin=$(command -v nginx || true)

usage() {
    sed -n '4,6p' "$0" | sed 's/^#   /usage: /' >&2
    exit 2
}

die() { echo "nginx_for_ci.sh: $*" >&2; exit 1; }

need_nginx() {
    [[ -n "$nginx_bin" && -x "$nginx_bin" ]] || die "nginx not found (apt-get install -y nginx, or set NGINX)"
}

loopback_address() {
    [[ "$1" =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+$ || "$1" =~ ^\[::1\]:[0-9]+$ ]] \
        || die "\"$1\" is not a loopback address with a port (127.0.0.1:PORT or [::1]:PORT)"
}

# render RUN_DIR LISTEN_PORT WEB_ADDR WS_ADDR...: writes RUN_DIR/nginx.conf from the template.
render() {
    local run_dir=$1 port=$2 web=$3
    shift 3
    [[ "$port" =~ ^[0-9]+$ ]] && (( port > 0 && port < 65536 )) || die "\"$port\" is not a port"
    loopback_address "$web"
    local ws
    for ws in "$@"; do loopback_address "$ws"; done
    [[ "$run_dir" != *'"'* ]] || die "RUN_DIR must not contain a double quote"
    # As root, nginx would run its workers as "nobody", who cannot enter a private RUN_DIR
    # (temp files for request bodies live there): keep them as the invoking user.
    local user_line=""
    (( $(id -u) == 0 )) && user_line="user root;"

    awk -v run="$run_dir" -v port="$port" -v web="$web" -v ws="$*" -v user_line="$user_line" '
        function indent() { match($0, /^[ \t]*/); return substr($0, 1, RLENGTH) }
        function rest(from,   i, s) { s = ""; for (i = from; i <= NF; i++) s = s " " $i; return s }
        function servers(list,   n, a, i) {
            n = split(list, a, " ")
            for (i = 1; i <= n; i++) print indent() "server " a[i] ";"
            emitted[block] = n
        }
        BEGIN { block = ""; if (user_line != "") print user_line }
        $1 == "user" { next }
        $1 == "pid" { print indent() "pid \"" run "/nginx.pid\";"; seen["pid"]++; next }
        $1 == "error_log" { print indent() "error_log \"" run "/error.log\"" (NF > 2 ? rest(3) : ";"); seen["error_log"]++; next }
        $1 == "access_log" { print indent() "access_log \"" run "/access.log\"" (NF > 2 ? rest(3) : ";"); seen["access_log"]++; next }
        $1 ~ /^(client_body|proxy|fastcgi|uwsgi|scgi)_temp_path$/ {
            name = $1; sub(/_temp_path$/, "", name)
            print indent() $1 " \"" run "/" name "_temp\";"; seen["temp"]++; next
        }
        $1 == "listen" { print indent() "listen 127.0.0.1:" port ";"; seen["listen"]++; next }
        $1 == "upstream" && $2 == "swiftchat_web" { block = "web"; print; next }
        $1 == "upstream" && $2 == "swiftchat_ws" { block = "ws"; print; next }
        block != "" && $1 == "server" {
            if (!(block in emitted)) servers(block == "web" ? web : ws)
            next
        }
        block != "" && $1 == "}" { block = "" }
        { print }
        END {
            if (seen["listen"] != 1 || seen["pid"] != 1 || seen["error_log"] < 1 || seen["access_log"] < 1 \
                || seen["temp"] != 5 || !("web" in emitted) || !("ws" in emitted)) {
                print "deploy/nginx.conf no longer has the lines this script rewrites (listen, pid, error_log, access_log, 5 *_temp_path, upstream server lines)" > "/dev/stderr"
                exit 1
            }
        }
    ' "$template" >"$run_dir/nginx.conf.new" || { rm -f "$run_dir/nginx.conf.new"; die "rendering failed"; }
    mv "$run_dir/nginx.conf.new" "$run_dir/nginx.conf"
}

# test_config RUN_DIR: nginx -t on RUN_DIR/nginx.conf, printing its output on failure.
test_config() {
    local output
    if ! output=$("$nginx_bin" -t -q -c "$1/nginx.conf" -p "$1/" 2>&1); then
        echo "nginx -t failed on $1/nginx.conf:" >&2
        echo "$output" >&2
        return 1
    fi
}

running_pid() {
    local pid
    [[ -s "$1/nginx.pid" ]] || return 1
    pid=$(<"$1/nginx.pid")
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

port_answers() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
    (( $# >= 4 )) || usage
    need_nginx
    local run_dir=$1 port=$2
    mkdir -p "$run_dir"
    run_dir=$(cd "$run_dir" && pwd)
    shift
    if running_pid "$run_dir" >/dev/null; then die "an nginx is already running from $run_dir"; fi
    render "$run_dir" "$@"
    test_config "$run_dir" || exit 1
    local output
    if ! output=$("$nginx_bin" -c "$run_dir/nginx.conf" -p "$run_dir/" 2>&1); then
        echo "nginx did not start:" >&2
        echo "$output" >&2
        exit 1
    fi
    for _ in $(seq 1 100); do
        if port_answers "$port"; then
            echo "nginx on 127.0.0.1:$port (pid $(<"$run_dir/nginx.pid"), config $run_dir/nginx.conf)"
            return 0
        fi
        sleep 0.1
    done
    echo "nginx did not answer on 127.0.0.1:$port within 10 s; error log:" >&2
    tail -n 30 "$run_dir/error.log" >&2 2>/dev/null || true
    stop "$run_dir" >/dev/null 2>&1 || true
    exit 1
}

stop() {
    (( $# == 1 )) || usage
    local run_dir=$1 pid
    if ! pid=$(running_pid "$run_dir"); then
        echo "no nginx running from $run_dir"
        return 0
    fi
    kill -QUIT "$pid"
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || { echo "nginx (pid $pid) stopped"; return 0; }
        sleep 0.1
    done
    # QUIT waits for open connections (WebSockets) to finish; do not wait for ever.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || { echo "nginx (pid $pid) stopped after TERM"; return 0; }
        sleep 0.1
    done
    die "nginx (pid $pid) did not stop"
}

check() {
    (( $# == 0 )) || usage
    need_nginx
    local run_dir
    run_dir=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$run_dir'" EXIT
    render "$run_dir" 18080 127.0.0.1:18081 127.0.0.1:18082 127.0.0.1:18083
    test_config "$run_dir" || exit 1
    echo "nginx -t: deploy/nginx.conf is valid"
}

(( $# >= 1 )) || usage
command=$1
shift
case "$command" in
    start) start "$@" ;;
    stop) stop "$@" ;;
    check) check "$@" ;;
    *) usage ;;
esac
