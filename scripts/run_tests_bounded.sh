#!/usr/bin/env bash
# run_tests_bounded.sh SECONDS OUTPUT COMMAND...
# Runs a test command (swift test -v ...) with its output shown and kept in OUTPUT, and ends it
# after SECONDS. A run that hangs is described before it is ended, so that the log of a CI machine
# says what hung: the tests that started and never finished, and every thread's stack of the test
# process (kept in OUTPUT.backtrace, its first frames printed).
set -uo pipefail
limit=$1 output=$2
shift 2

# Line-buffered output, so that nothing the test process printed is lost when it is ended.
setsid bash -c 'stdbuf -oL -eL "$@" 2>&1 | tee "$0"' "$output" "$@" &
group=$!
deadline=$((SECONDS + limit))
while kill -0 "$group" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 2; done

if kill -0 "$group" 2>/dev/null; then
    echo "== the test run did not end within $limit s"
    python3 - "$output" <<'PY'
import re, sys
# Swift Testing's verbose lines: "◇ Test NAME started." and "✔ Test NAME passed after …",
# "✘ Test NAME failed after …", "… with N test cases passed …", "➜ Test NAME skipped".
started, ended = [], set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if " Test case " in line:
        continue
    if m := re.search(r"Test (.+) started\.$", line.rstrip()):
        started.append(m.group(1))
    elif m := re.search(r"Test (.+?) (?:with \d+ test cases? )?(?:passed|failed) after ", line):
        ended.add(m.group(1))
    elif m := re.search(r"Test (.+) skipped", line):
        ended.add(m.group(1))
unfinished = [name for name in started if name not in ended and name != "run"]
print(f"tests started and not finished ({len(unfinished)}):")
for name in unfinished:
    print("  " + name)
PY
    # swift test starts the test process in a process group of its own, within this session.
    for pid in $(pgrep -s "$group" -f swiftchatPackageTests.xctest); do
        gdb -p "$pid" -batch -ex "call (int)fflush(0)" -ex "thread apply all bt 25" >"$output.backtrace" 2>&1
        echo "threads of the test process $pid (whole stacks in $output.backtrace):"
        grep -E "^Thread|^#[0-9] " "$output.backtrace" | head -150
    done
    pkill -KILL -s "$group" 2>/dev/null
    wait "$group" 2>/dev/null
    exit 124
fi
wait "$group"
