#!/usr/bin/env python3
"""A bounded-time fuzz pass against a started SwiftChat server: malformed requests over a raw
socket, bad WebSocket handshakes and frames, then adversarial bodies, query strings and path
parameters against every route of the server's own OpenAPI document (/swagger.json/), with and
without a token, until the time is up.

The server fails the pass if it exits or stops answering /health/ (checked after every batch),
answers 5xx to anything, answers an error on an /api/ route with something that is not JSON,
leaves a request unanswered for 10 s, accepts a body over 1 MiB where the route reads one, or
closes a socket with anything but a proper code (1009 for frames over 64 KiB). Every case is
derived from the seed alone: a failure is printed with its case id and replays with
--seed S --case ID. The pass stops starting cases after --seconds; the case and the health check
under way then (10 s each at most) finish.

Usage: fuzz_server.py --base http://127.0.0.1:8000 [--seconds 60] [--seed N] [--pid PID] [--token JWT]
Needs: pip install websockets; a dev-mode server (codes in responses) unless --token is given,
with the default body and frame limits, and the rate limits and throttles off (0) so that the
cases reach past them (a 429 is a valid answer all the same).
"""
import argparse
import base64
import collections
import hashlib
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect as ws_connect

CASE_PREFIXES = ("raw", "wshs", "wsraw", "ws", "http")
ANSWER_TIMEOUT = 10.0          # a request unanswered for this long is a hang
BODY_LIMIT = 1024 * 1024       # the server's default SWIFTCHAT_MAX_BODY_SIZE
FRAME_LIMIT = 65536            # the server's default SWIFTCHAT_WS_MAX_FRAME_SIZE
DEMO_PHONE = "+917809772989"
OTHER_DEMO_PHONES = ["+917909772989", "+918744964282", "+918474964282", "+917209779890"]
REFUSED = frozenset(range(400, 500))  # an expectation: any client error
BATCH = 10                     # random HTTP cases between two liveness checks
MAX_SHOWN = 200                # bytes of an answer shown in a failure

# WebSocket close codes that are a proper refusal of what a client sent (1011 is the server's own
# failure, 1006 means no close frame at all).
PROPER_CLOSE_CODES = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1013}


# ---------------------------------------------------------------------------------------------
# HTTP over a plain socket, so that anything at all can be sent and every answer is read the same way

class Answer:
    def __init__(self):
        self.status = None          # None: no status line arrived
        self.headers = {}
        self.body = b""
        self.raw = b""
        self.closed = False         # the server ended the connection (EOF or reset)
        self.timed_out = False      # the deadline passed while waiting
        self.complete = False       # a whole response (head and body) arrived
        self.responses = 0          # complete responses in the stream (pipelining)
        self.connect_error = None
        self.send_error = None
        self.elapsed = 0.0

    def shown(self):
        return self.raw[:MAX_SHOWN]


def parse_head(buf, start=0):
    end = buf.find(b"\r\n\r\n", start)
    if end < 0:
        return None
    lines = buf[start:end].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        status = -1
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return status, headers, end + 4


def dechunk(data):
    """(body, end offset) of a chunked body, or None while it is incomplete."""
    body, at = b"", 0
    while True:
        line_end = data.find(b"\r\n", at)
        if line_end < 0:
            return None
        try:
            size = int(data[at:line_end].split(b";")[0].strip() or b"x", 16)
        except ValueError:
            return body, len(data)
        at = line_end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n", at)
            return (body, trailer_end + 2) if trailer_end >= 0 else None
        if len(data) < at + size + 2:
            return None
        body += data[at:at + size]
        at += size + 2


def parse_response(buf, start, method):
    """(status, headers, body, end offset) of the response at start, or None while incomplete.
    Interim 1xx answers other than 101 are skipped."""
    while True:
        head = parse_head(buf, start)
        if head is None:
            return None
        status, headers, body_start = head
        if 100 <= status < 200 and status != 101:
            start = body_start
            continue
        if status == 101 or method == "HEAD" or status in (204, 304):
            return status, headers, b"", body_start
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunked = dechunk(buf[body_start:])
            if chunked is None:
                return None
            return status, headers, chunked[0], body_start + chunked[1]
        if "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                length = 0
            if len(buf) - body_start < length:
                return None
            return status, headers, buf[body_start:body_start + length], body_start + length
        return None  # the body ends with the connection


class Target:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        if url.scheme != "http" or url.hostname not in ("127.0.0.1", "::1", "localhost"):
            sys.exit("fuzz: --base must be http:// on loopback")
        self.host = "127.0.0.1" if url.hostname == "localhost" else url.hostname
        self.port = url.port or 80
        self.netloc = url.netloc

    def exchange(self, data, method="GET", half_close=False, want_close=False, pipelined=1,
                 timeout=ANSWER_TIMEOUT):
        """Sends data on a new connection and reads until a whole answer (or, with want_close or
        pipelined answers, until the server closes), the connection ends, or the deadline passes."""
        answer = Answer()
        started = time.monotonic()
        deadline = started + timeout
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError as error:
            answer.connect_error = f"connect: {error}"
            return answer
        with sock:
            try:
                sock.sendall(data)
            except socket.timeout:
                answer.send_error = "send timed out"
            except OSError as error:
                answer.send_error = f"send: {error.__class__.__name__}"
            if half_close and answer.send_error is None:
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            buf = b""
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    answer.timed_out = True
                    break
                sock.settimeout(remaining)
                try:
                    chunk = sock.recv(262144)
                except socket.timeout:
                    answer.timed_out = True
                    break
                except OSError:
                    answer.closed = True
                    break
                if not chunk:
                    answer.closed = True
                    break
                buf += chunk
                if not want_close and pipelined == 1 and parse_response(buf, 0, method) is not None:
                    break
                if pipelined > 1 and count_responses(buf, method) >= pipelined:
                    break
        answer.elapsed = time.monotonic() - started
        answer.raw = buf
        answer.responses = count_responses(buf, method)
        parsed = parse_response(buf, 0, method)
        if parsed is not None:
            answer.status, answer.headers, answer.body, _ = parsed
            answer.complete = True
        elif (head := parse_head(buf)) is not None:
            answer.status, answer.headers, body_start = head
            answer.body = buf[body_start:]
            # A body that runs to the end of the connection is whole once the server closes.
            answer.complete = answer.closed and "content-length" not in answer.headers \
                and "chunked" not in answer.headers.get("transfer-encoding", "")
        return answer

    def request(self, method, target, headers=(), body=None, close=True, **options):
        head = [f"{method} {target} HTTP/1.1", f"Host: {self.netloc}"] + (["Connection: close"] if close else [])
        head += [f"{name}: {value}" for name, value in headers]
        if body is not None:
            head.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("utf-8", "surrogateescape") + (body or b"")
        return self.exchange(data, method=method, **options)

    def json_request(self, method, path, payload, token=None):
        headers = [("Content-Type", "application/json")]
        if token:
            headers.append(("Authorization", f"JWT {token}"))
        answer = self.request(method, path, headers, json.dumps(payload).encode())
        try:
            return answer.status, json.loads(answer.body)
        except ValueError:
            return answer.status, None


def count_responses(buf, method):
    count, at = 0, 0
    while True:
        parsed = parse_response(buf, at, method)
        if parsed is None:
            return count
        count += 1
        at = parsed[3]


# ---------------------------------------------------------------------------------------------
# The routes, read from the server's OpenAPI document

class Operation:
    def __init__(self, method, path, spec, document, shared_parameters=()):
        self.method = method.upper()
        self.path = path
        self.needs_auth = bool(spec.get("security"))
        parameters = [resolve(p, document) for p in list(shared_parameters) + spec.get("parameters", [])]
        # Every {name} of the template, documented or not.
        self.path_params = re.findall(r"\{([^}/]+)\}", path)
        self.query_params = [(p["name"], resolve(p.get("schema", {}), document))
                             for p in parameters if p.get("in") == "query" and "name" in p]
        content = spec.get("requestBody", {}).get("content", {})
        schema = resolve(next(iter(content.values()), {}).get("schema", {}), document) if content else None
        self.body_schema = schema
        self.fields = object_fields(schema) if schema else {}
        self.statuses = set(spec.get("responses", {}))

    def __repr__(self):
        return f"{self.method} {self.path}"


def resolve(schema, document, depth=0):
    """The schema with $ref, allOf, oneOf and anyOf flattened enough to name fields and types."""
    if not isinstance(schema, dict) or depth > 20:
        return {}
    if "$ref" in schema:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return resolve(node, document, depth + 1)
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema:
            merged = {k: v for k, v in schema.items() if k != key}
            for part in schema[key]:
                part = resolve(part, document, depth + 1)
                if part.get("type") == "null":
                    merged["nullable"] = True
                    continue
                merged.setdefault("properties", {}).update(part.get("properties", {}))
                for k, v in part.items():
                    if k != "properties":
                        merged.setdefault(k, v)
            return resolve(merged, document, depth + 1) if "$ref" in merged else merged
    if "properties" in schema:
        schema = dict(schema)
        schema["properties"] = {name: resolve(value, document, depth + 1)
                                for name, value in schema["properties"].items()}
    if "items" in schema:
        schema = dict(schema)
        schema["items"] = resolve(schema["items"], document, depth + 1)
    return schema


def object_fields(schema):
    return dict(schema.get("properties", {})) if isinstance(schema, dict) else {}


def schema_type(schema):
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if kinds else "null"
    return kind


def load_operations(target):
    answer = target.request("GET", "/swagger.json/")
    if answer.status != 200:
        sys.exit(f"fuzz: GET /swagger.json/ answered {answer.status}: {answer.shown()!r}")
    document = json.loads(answer.body)
    operations = []
    for path, item in sorted(document.get("paths", {}).items()):
        if path.startswith("/ws/"):
            continue  # fuzzed by the WebSocket cases
        for method, spec in sorted(item.items()):
            if method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                operations.append(Operation(method, path, spec, document, item.get("parameters", [])))
    if not operations:
        sys.exit("fuzz: the OpenAPI document names no operation")
    return operations


# ---------------------------------------------------------------------------------------------
# Values and bodies: every generator takes its own random.Random, so a case depends on the seed only

NUMBER_TOKENS = [
    "1e400", "-1e400", "1e-400", "-0", "-0.0", "0.0", "1.0", "1.5", "-1", "0",
    "1" + "0" * 400, "-" + "9" * 400, "0." + "0" * 400 + "1",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "4294967296", "2147483648", "1E+2", "2e-1", "1e308", "1.7976931348623157e309",
    "123456789012345678901234567890.5",
]
BAD_NUMBER_TOKENS = ["NaN", "Infinity", "-Infinity", "01", "0x10", "+1", ".5", "1.", "1e", "--1"]
WEIRD_STRINGS = [
    "", " ", "\u0000", "a\u0000b", "\u0000" * 100, "\ud800", "\udfff", "a\udc00b", "\ud800\ud800",
    "\ufeff", "\u202e", "\u200b" * 50, "e\u0301" * 5000, "\U0001F1EE\U0001F1F3" * 3000, "😀" * 10001,
    "x" * 10000, "x" * 10001, "' OR 1=1 --", "\"; DROP TABLE users; --", "%s%s%n", "{{7*7}}",
    "../../../../etc/passwd", "\r\nX-Injected: 1", "<script>alert(1)</script>", "null", "[]", "{}",
    "+917809772989", "+91" + "9" * 200, "+1" + "0" * 14, "+", "A", "N", "a@b.c", "a\u0000@x.com",
    "\\", "\"", "\\u0000", "%00", "%zz", "\x7f", "\x1b[31m",
]


def random_text(rng, length):
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 _-+@.é漢字😀\u0301\u200d"
    return "".join(rng.choice(alphabet) for _ in range(length))


def random_json(rng, depth=0):
    kinds = ["null", "bool", "int", "float", "str", "list", "dict"] if depth < 4 else ["null", "bool", "int", "str"]
    kind = rng.choice(kinds)
    if kind == "null":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, 1, -1, rng.randint(-10**6, 10**6), 2**63, -2**63 - 1, 10**30])
    if kind == "float":
        return rng.choice([0.5, -0.0, 1e308, -1e-308, rng.uniform(-1e9, 1e9)])
    if kind == "str":
        return rng.choice([random_text(rng, rng.randint(0, 40)), rng.choice(WEIRD_STRINGS[:40])])
    if kind == "list":
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {random_text(rng, rng.randint(1, 10)): random_json(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def dumps(value):
    return json.dumps(value)  # escapes lone surrogates and NUL as \uXXXX


def valid_value(rng, schema):
    """A value of the documented type (not necessarily accepted by the server)."""
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema_type(schema)
    if kind == "integer":
        return rng.choice([1, 2, 3, 4, 5, 6, rng.randint(1, 1000)])
    if kind == "number":
        return rng.choice([1, 2.5])
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        return [valid_value(rng, schema.get("items", {})) for _ in range(rng.randint(0, 3))]
    if kind == "object":
        return {name: valid_value(rng, sub) for name, sub in object_fields(schema).items()}
    if kind == "null":
        return None
    if schema.get("format") == "email":
        return f"{random_text(rng, 5).strip() or 'a'}@example.com"
    return rng.choice(["+917809772989", "+911234567891", "A", "N", "hello", "1234", "password-123",
                       random_text(rng, rng.randint(1, 30))])


def wrong_value_token(rng, schema):
    """JSON text of a value whose type differs from the documented one."""
    kind = schema_type(schema)
    choices = {
        "integer": ["\"1\"", "1.5", "true", "null", "[]", "{}", "\"abc\"", "[1]", "1e400"],
        "number": ["\"1\"", "true", "null", "[]", "{}"],
        "boolean": ["\"true\"", "1", "0", "null", "[]", "\"yes\"", "{}"],
        "array": ["1", "\"a\"", "{}", "null", "true"],
        "object": ["1", "\"a\"", "[]", "null", "true"],
    }.get(kind, ["1", "-1", "1.5", "true", "false", "null", "[]", "{}", "[\"a\"]", "{\"a\": 1}", "1e400"])
    return rng.choice(choices)


def json_object_text(pairs):
    """An object from (key, JSON text) pairs, so that duplicate keys and raw tokens survive."""
    return "{" + ", ".join(f"{dumps(key)}: {value}" for key, value in pairs) + "}"


def field_names(op, rng, all_fields):
    if op.fields:
        return list(op.fields)
    return rng.sample(all_fields, min(len(all_fields), rng.randint(1, 3))) if all_fields else ["a"]


def field_schema(op, name):
    return op.fields.get(name, {})


def valid_pairs(rng, op, all_fields):
    return [(name, dumps(valid_value(rng, field_schema(op, name)))) for name in field_names(op, rng, all_fields)]


def multipart(rng, fields, boundary, truncate=False):
    parts = []
    for name, value in fields:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    text = "".join(parts) + f"--{boundary}--\r\n"
    data = text.encode("utf-8", "surrogatepass")
    if truncate:
        data = data[:rng.randint(1, max(1, len(data) - 1))]
    return data


def quote(text, safe=""):
    return urllib.parse.quote(text, safe=safe, errors="surrogatepass")  # a lone surrogate as its 3 bytes


def plain_value(value):
    return value if isinstance(value, str) else json.dumps(value)


# Each body kind: (rng, op, all_fields) -> (content type or None, body bytes or None, expectation)
# where expectation is None or the set of statuses the answer must have.

def body_valid(rng, op, all_fields):
    return "application/json", json_object_text(valid_pairs(rng, op, all_fields)).encode(), None


def body_wrong_types(rng, op, all_fields):
    pairs = [(name, wrong_value_token(rng, field_schema(op, name))) for name in field_names(op, rng, all_fields)]
    return "application/json", json_object_text(pairs).encode(), None


def body_one_wrong_type(rng, op, all_fields):
    pairs = valid_pairs(rng, op, all_fields)
    index = rng.randrange(len(pairs))
    pairs[index] = (pairs[index][0], wrong_value_token(rng, field_schema(op, pairs[index][0])))
    return "application/json", json_object_text(pairs).encode(), None


def body_extra_fields(rng, op, all_fields):
    pairs = valid_pairs(rng, op, all_fields)
    for name in rng.sample(["id", "is_staff", "is_superuser", "is_active", "password", "__proto__", "constructor",
                            "sent_by", "user", "pk", "", "\u0000", "a" * 5000], 4):
        pairs.append((name, dumps(random_json(rng))))
    rng.shuffle(pairs)
    return "application/json", json_object_text(pairs).encode(), None


def body_missing_fields(rng, op, all_fields):
    pairs = valid_pairs(rng, op, all_fields)
    return "application/json", json_object_text(rng.sample(pairs, rng.randint(0, len(pairs) - 1))).encode(), None


def body_huge_numbers(rng, op, all_fields):
    pairs = [(name, rng.choice(NUMBER_TOKENS)) for name in field_names(op, rng, all_fields)]
    if rng.random() < 0.3:
        pairs.append((rng.choice(list(op.fields) or ["a"]), rng.choice(["1" * 300000, "-" + "7" * 300000 + ".5e-99999"])))
    return "application/json", json_object_text(pairs).encode(), None


def body_bad_numbers(rng, op, all_fields):
    pairs = [(name, rng.choice(BAD_NUMBER_TOKENS)) for name in field_names(op, rng, all_fields)]
    return "application/json", json_object_text(pairs).encode(), None


def body_weird_strings(rng, op, all_fields):
    pairs = [(name, dumps(rng.choice(WEIRD_STRINGS))) for name in field_names(op, rng, all_fields)]
    return "application/json", json_object_text(pairs).encode(), None


def body_nul_strings(rng, op, all_fields):
    pairs = valid_pairs(rng, op, all_fields)
    name, value = rng.choice(pairs)
    text = plain_value(json.loads(value))
    at = rng.randint(0, len(text))
    pairs.append((name, dumps(text[:at] + "\u0000" + text[at:])))
    return "application/json", json_object_text(pairs).encode(), None


def body_lone_surrogates(rng, op, all_fields):
    surrogate = rng.choice(["\\ud800", "\\udfff", "\\udc00\\ud800", "a\\ud83d", "\\ud83dz", "\\uDBFF\\uDBFF"])
    pairs = valid_pairs(rng, op, all_fields)
    pairs.append((rng.choice(field_names(op, rng, all_fields)), f"\"{surrogate}\""))
    if rng.random() < 0.3:
        pairs.append((f"k{surrogate}", "1"))  # in a key too
    return "application/json", json_object_text(pairs).encode(), None


def body_invalid_utf8(rng, op, all_fields):
    junk = rng.choice([b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                       b"\xe2\x82", b"\x80", b"\xf8\x88\x80\x80\x80", b"a\xc3"])
    name = rng.choice(field_names(op, rng, all_fields))
    where = rng.choice(["value", "key", "outside"])
    if where == "value":
        body = b"{" + dumps(name).encode() + b": \"x" + junk + b"y\"}"
    elif where == "key":
        body = b"{\"" + junk + b"\": 1}"
    else:
        body = junk + b"{}"
    return "application/json", body, None


def body_long_string(rng, op, all_fields):
    length = rng.choice([10**4, 10**5, 500_000, 900_000])
    unit = rng.choice(["x", "é", "😀", "\\u0041", "\\\\", "\\ud800"])
    raw_units = {"x": 1, "é": 2, "😀": 4, "\\u0041": 6, "\\\\": 2, "\\ud800": 6}[unit]
    text = unit * max(1, min(length, 900_000) // raw_units)
    pairs = valid_pairs(rng, op, all_fields)
    index = rng.randrange(len(pairs))
    pairs[index] = (pairs[index][0], f"\"{text}\"")
    return "application/json", json_object_text(pairs).encode(), None


def body_deep_array(rng, op, all_fields):
    depth = rng.choice([600, 10_000, 100_000, 400_000])
    closed = rng.random() < 0.5
    return "application/json", (b"[" * depth + (b"]" * depth if closed else b"")), None


def body_deep_object(rng, op, all_fields):
    depth = rng.choice([600, 10_000, 50_000, 150_000])
    closed = rng.random() < 0.5
    return "application/json", (b"{\"a\":" * depth + (b"1" + b"}" * depth if closed else b"")), None


def body_deep_in_field(rng, op, all_fields):
    depth = rng.choice([1_000, 50_000, 200_000])
    name = rng.choice(field_names(op, rng, all_fields))
    inner = "[" * depth + ("]" * depth if rng.random() < 0.5 else "")
    return "application/json", ("{" + dumps(name) + ": " + inner + "}").encode(), None


def body_oversize(rng, op, all_fields):
    size = BODY_LIMIT + rng.randint(1, 65536)
    filler = "x" * (size - 20)
    # Routing, authentication, permissions and throttles may refuse it first, but never accept it.
    return "application/json", ("{\"a\": \"" + filler + "\"}").encode(), REFUSED


def body_empty(rng, op, all_fields):
    choice = rng.randrange(4)
    if choice == 0:
        return "application/json", b"", None
    if choice == 1:
        return None, b"", None
    if choice == 2:
        return "application/json", None, None  # no Content-Length at all
    return "application/json", b" \r\n\t ", None


def body_top_level(rng, op, all_fields):
    return "application/json", rng.choice([b"1", b"null", b"\"x\"", b"[]", b"true", b"[{}]", b"-0", b"1e400", b"\"\\u0000\""]), None


def body_duplicate_keys(rng, op, all_fields):
    pairs = valid_pairs(rng, op, all_fields)
    pairs += [(name, dumps(random_json(rng))) for name, _ in pairs]
    pairs += [(pairs[0][0], dumps(valid_value(rng, field_schema(op, pairs[0][0]))))] * rng.randint(1, 2000)
    return "application/json", json_object_text(pairs).encode(), None


def body_broken_json(rng, op, all_fields):
    good = json_object_text(valid_pairs(rng, op, all_fields))
    variants = [good + "x", good + good, good[:-1], good[:rng.randint(1, len(good))], good.replace(": ", ": ,"),
                good.replace("\"", "'"), "\ufeff" + good, good[:-1] + ",}", "{,}", "{\"a\"}", "{\"a\":}", "[", "]",
                "{\"a\": 1 /* comment */}", "\u0000" + good, good + "\u0000", "{\"a\": \"\t\"}", "{\"a\": \"\\x41\"}",
                "{\"a\": \"\\u12\"}", "{\"a\": \"\\\"}", "{\"a\": tru}", "{\"a\": nul}"]
    return "application/json", rng.choice(variants).encode("utf-8", "surrogatepass"), None


def body_random_bytes(rng, op, all_fields):
    content_type = rng.choice(["application/json", None, "application/octet-stream", "multipart/form-data; boundary=x",
                               "application/x-www-form-urlencoded"])
    return content_type, rng.randbytes(rng.choice([1, 16, 1000, 100_000, 900_000])), None


def body_random_json(rng, op, all_fields):
    value = random_json(rng)
    if rng.random() < 0.6:
        value = {name: random_json(rng) for name in field_names(op, rng, all_fields)}
    return "application/json", dumps(value).encode(), None


def body_text_plain(rng, op, all_fields):
    return rng.choice(["text/plain", "text/plain; charset=utf-8", "text/html"]), json_object_text(
        valid_pairs(rng, op, all_fields)).encode(), None


def body_xml(rng, op, all_fields):
    inner = "".join(f"<{name}>1</{name}>" for name in field_names(op, rng, all_fields))
    body = rng.choice([f"<?xml version=\"1.0\"?><root>{inner}</root>",
                       "<!DOCTYPE a [<!ENTITY b \"" + "c" * 1000 + "\">]><a>&b;&b;&b;</a>", "<a"])
    return rng.choice(["application/xml", "text/xml"]), body.encode(), None


def body_multipart_no_boundary(rng, op, all_fields):
    fields = [(name, plain_value(json.loads(value))) for name, value in valid_pairs(rng, op, all_fields)]
    content_type = rng.choice(["multipart/form-data", "multipart/form-data;", "multipart/form-data; boundary=",
                               "multipart/form-data; boundary=\"\"", "multipart/form-data; charset=utf-8"])
    return content_type, multipart(rng, fields, "xyz"), None


def body_multipart_long_boundary(rng, op, all_fields):
    length = rng.choice([70, 71, 200, 16_000, 70_000])
    boundary = "".join(rng.choice("abcdefghij0123456789") for _ in range(length))
    fields = [(name, plain_value(json.loads(value))) for name, value in valid_pairs(rng, op, all_fields)]
    body = multipart(rng, fields, boundary)
    if length > 1000 and rng.random() < 0.7:
        # What a naive boundary scan is slowest on: near-misses of the delimiter, or its first
        # byte over and over.
        near = rng.choice([("--" + boundary[:-1] + "\r\n").encode(), b"-", b"\r\n-", b"--" + boundary[:100].encode()])
        body = near * ((BODY_LIMIT - 10_000) // len(near)) + body
        body = body[:BODY_LIMIT - 1]
    return f"multipart/form-data; boundary={boundary}", body, None


def body_multipart_truncated(rng, op, all_fields):
    fields = [(name, plain_value(json.loads(value))) for name, value in valid_pairs(rng, op, all_fields)]
    return "multipart/form-data; boundary=frontier", multipart(rng, fields, "frontier", truncate=True), None


def body_multipart_valid(rng, op, all_fields):
    fields = [(name, plain_value(json.loads(value))) for name, value in valid_pairs(rng, op, all_fields)]
    boundary = rng.choice(["b", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "\"quoted boundary\"", "x" * 70])
    quoted = boundary.strip("\"")
    return f"multipart/form-data; boundary={boundary}", multipart(rng, fields, quoted), None


def body_multipart_odd(rng, op, all_fields):
    name = rng.choice(field_names(op, rng, all_fields))
    variants = [
        b"--b\r\n\r\nno headers\r\n--b--\r\n",
        b"--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--b--\r\n",
        b"--b\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"; filename=\"a.bin\"\r\n"
        b"Content-Type: application/octet-stream\r\n\r\n" + rng.randbytes(2000) + b"\r\n--b--\r\n",
        b"--b\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"\r\n\r\n\xff\xfe\r\n--b--\r\n",
        b"--b\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"\r\n\r\nx\r\n--b--\r\n" * 2000,
        b"--b--\r\n", b"--b", b"", b"--b\r\n" * 5000,
        b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n" + b"X-Long: " + b"h" * 200_000 + b"\r\n\r\nx\r\n--b--\r\n",
        b"--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\nx\r\n--c--\r\n--b--\r\n",
    ]
    return "multipart/form-data; boundary=b", rng.choice(variants), None


def body_form(rng, op, all_fields):
    pairs = [(name, plain_value(json.loads(value))) for name, value in valid_pairs(rng, op, all_fields)]
    return "application/x-www-form-urlencoded", "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs).encode(), None


def body_form_broken(rng, op, all_fields):
    name = rng.choice(field_names(op, rng, all_fields))
    variants = [f"{name}=%zz", f"{name}=%", f"{name}=%e9", f"{name}=%00", f"{name}=%ed%a0%80", f"%zz={name}",
                "=&=&&&", f"{name}", f"{name}=1&{name}=2&{name}=3", "&".join(f"k{i}=v" for i in range(20_000)),
                f"{name}=" + "%41" * 200_000, f"{name}=a+b%2Bc", f"{name}[]=1&{name}[]=2", f"{name}=\u00e9"]
    return "application/x-www-form-urlencoded", rng.choice(variants).encode(), None


def body_odd_content_type(rng, op, all_fields):
    content_type = rng.choice(["application/json; charset=utf-16", "application/json; charset=bogus",
                               "application/json;;;", "APPLICATION/JSON", "application/vnd.api+json", "*/*",
                               "application/json; " + "x=y; " * 800, "json", "application/", "/", ";",
                               "application/json\tcharset=utf-8", "application/x-www-form-urlencoded; charset=latin-1"])
    text = json_object_text(valid_pairs(rng, op, all_fields))
    body = text.encode("utf-16") if "utf-16" in content_type and rng.random() < 0.5 else text.encode()
    return content_type, body, None


BODY_KINDS = {name[len("body_"):]: function for name, function in globals().items() if name.startswith("body_")}

PATH_VALUES = ["1", "2", "3", "5", "6", "0", "-1", "-0", "00001", "2147483648", "9223372036854775807",
               "9223372036854775808", "-9223372036854775809", "1" + "0" * 30, "1" * 5000, "abc", "1.5", "1e3", "0x1",
               "%2B1", "%201", "%00", "%ff", "%ed%a0%80", "%2F", "..", "%2e%2e", "null", "true", "%EF%BC%91", "me",
               "%", "%zz", "1%00", "😀"]


def path_value(rng):
    if rng.random() < 0.35:
        return str(rng.choice([rng.randint(1, 20), rng.randint(-2**63, 2**63 - 1), rng.randint(10**19, 10**40)]))
    value = rng.choice(PATH_VALUES)
    return quote(value, safe="%") if not value.isascii() else value


def query_value(rng, schema):
    choice = rng.randrange(10)
    if choice == 0:
        # Thousands of search terms; now and then with the raw UTF-8 no client should send.
        separator = rng.choice(["+", "%20", ",", "%2C", "%09"])
        raw = rng.random() < 0.2
        terms = (random_text(rng, rng.randint(1, 3)).replace(" ", "") or "a"
                 for _ in range(rng.choice([11, 50, 1000, 1200, 3000, 5000])))
        return separator.join(term if raw else quote(term) for term in terms)
    if choice == 1:
        return rng.choice(["%", "%zz", "%ff%fe", "%00", "%ed%a0%80", "%c0%af", "%25", "%%%", "a%2", "%u0041"])
    if choice == 2:
        return "x" * rng.choice([1000, 20_000, 100_000])
    if choice == 3 and "enum" in schema:
        return rng.choice(schema["enum"])
    if choice == 4:
        return rng.choice(["-id", "id", "created_at", "-created_at", "__class__", "-id,id", "password", "-",
                           "sent_by__phone_number", "?", ""])
    if choice == 5:
        return rng.choice(["true", "false", "1", "0", "True", "maybe", "", "null", "2"])
    return quote(plain_value(random_json(rng)))


def query_string(rng, op):
    parts = []
    for name, schema in op.query_params:
        if rng.random() < 0.6:
            parts.append(f"{name}={query_value(rng, schema)}")
    if rng.random() < 0.2:
        parts.append(rng.choice(["search=a&search=b", "%=%", "&&", "=", "a", "page=99999999999999999999",
                                 "search", "search=%zz&ordering=%ff", "limit=-1", "format=html"]))
    return ("?" + "&".join(parts)) if parts else ""


# ---------------------------------------------------------------------------------------------
# Cases

class Failure:
    def __init__(self, case_id, what, method="", target="", content_type="", body=b"", status=None, answer=b"",
                 kind=None):
        self.case_id, self.what, self.method, self.target = case_id, what, method, target
        self.content_type, self.body, self.status, self.answer = content_type, body, status, answer
        self.kind = kind or what  # what failures of one class share, for the summary

    def show(self, seed):
        body = self.body if isinstance(self.body, (bytes, str)) else repr(self.body)
        shown = repr(body[:80]) + (f"... ({len(body)} bytes)" if len(body) > 80 else "")
        target = self.target if len(self.target) <= 160 else self.target[:160] + f"... ({len(self.target)} chars)"
        return (f"FAIL [{self.case_id}] {self.what}\n"
                f"     {self.method} {target}  content-type={self.content_type!r}\n"
                f"     body={shown}\n"
                f"     status={self.status} answer={self.answer[:MAX_SHOWN]!r}\n"
                f"     replay: --seed {seed} --case {self.case_id}")


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.target = Target(args.base)
        self.seed = args.seed
        self.deadline = time.monotonic() + args.seconds
        self.failures = []
        self.passed = 0
        self.statuses = collections.Counter()
        self.slowest = []  # (seconds, case id, what), the few slowest HTTP answers
        self.dead = False
        self.token = None
        self.refresh = None
        self.operations = []
        self.all_fields = []

    def rng(self, case_id):
        return random.Random(f"{self.seed}:{case_id}")

    def time_left(self):
        return time.monotonic() < self.deadline and not self.dead

    def record(self, problems, status_key):
        self.statuses[status_key] += 1
        if problems:
            self.failures.extend(problems)
        else:
            self.passed += 1

    # -- setup

    def log_in(self):
        if self.args.token:
            self.token = self.args.token
            return
        # A code still pending for the demo user (from an earlier run) blocks a new one: then
        # another demo user.
        answers = []
        for phone in [DEMO_PHONE] + OTHER_DEMO_PHONES:
            status, generated = self.target.json_request(
                "POST", "/api/otp/gen/phone_number/", {"phone_number": phone, "otp_for": "A"})
            if status != 201 or not isinstance(generated, dict) or "raw_otp" not in generated:
                answers.append(f"{phone}: {status} {generated!r}")
                continue
            status, tokens = self.target.json_request(
                "POST", "/api/otp/auth/", {"phone_number": phone, "otp": int(generated["raw_otp"])})
            if status == 200 and isinstance(tokens, dict) and "access_token" in tokens:
                self.token, self.refresh = tokens["access_token"], tokens.get("refresh_token")
                print(f"fuzz: logged in as {phone}", flush=True)
                return
            answers.append(f"{phone}: {status} {tokens!r}")
        sys.exit("fuzz: could not log in (is the server in dev mode with OTP rate limits off? or pass --token): "
                 + "; ".join(answers))

    # -- liveness

    def check_alive(self, after, suspects=()):
        """After a batch: the process still runs and /health/ answers 200 within the deadline."""
        problem = None
        if self.args.pid is not None and not process_alive(self.args.pid):
            problem = f"the server process {self.args.pid} exited after {after}"
        else:
            answer = self.target.request("GET", "/health/")
            if answer.status != 200:
                state = ("no answer within 10 s" if answer.timed_out else answer.connect_error
                         or ("connection closed" if answer.status is None else f"status {answer.status}"))
                problem = f"/health/ failed after {after}: {state}"
        if problem is None:
            return True
        names = ", ".join(suspects) if suspects else "none recorded"
        self.failures.append(Failure("health", f"{problem} (cases in that batch: {names})",
                                     "GET", "/health/"))
        self.dead = True
        return False

    # -- HTTP cases over the OpenAPI routes

    def auth_headers(self, rng, op):
        choice = rng.random()
        if choice < 0.55 or (op.needs_auth and choice < 0.75):
            return [("Authorization", f"JWT {self.token}")], "token"
        if choice < 0.8:
            return [], "none"
        variant = rng.choice([f"Bearer {self.token}", f"JWT {self.refresh or self.token}", "JWT", "JWT ",
                              "JWT garbage", f"JWT {self.token}x", f"JWT {self.token[:-5]}",
                              "JWT " + "A" * 8000, "Basic YTpi", f"jwt {self.token}", f"JWT {self.token} extra",
                              "JWT eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoxfQ."])
        return [("Authorization", variant)], "odd-token"

    def http_case(self, case_id, op, kind):
        rng = self.rng(case_id)
        path = op.path
        for name in op.path_params:
            path = path.replace("{" + name + "}", path_value(rng), 1)
        if rng.random() < 0.05:
            path = path.rstrip("/")  # served as the slashed path, or a 301 for GET
        target = path + query_string(rng, op)
        headers, auth = self.auth_headers(rng, op)
        method = op.method
        if rng.random() < 0.04:
            method = rng.choice(["PROPFIND", "TRACE", "HEAD", "OPTIONS", "PATCH", "PUT", "DELETE", "BREW", "get"])
        content_type, body, expect = BODY_KINDS[kind](rng, op, self.all_fields)
        if op.body_schema is None and method in ("GET", "HEAD", "DELETE", "OPTIONS") and rng.random() < 0.7:
            content_type, body, expect = None, None, None  # mostly without a body where none is documented
        if expect is REFUSED and ("413" not in op.statuses or method != op.method):
            expect = None  # a route that documents no body may ignore it
        if content_type is not None:
            headers.append(("Content-Type", content_type))
        if rng.random() < 0.05:
            headers.append(("Expect", "100-continue"))
        answer = self.target.request(method, target, headers, body)
        self.slowest = sorted(self.slowest + [(answer.elapsed, case_id, f"{method} {op.path} with a {kind} body")],
                              reverse=True)[:5]
        problems = judge_http(case_id, method, target, content_type, body, answer, expect,
                              send_failure_ok=kind == "oversize")
        for problem in problems:
            problem.kind = f"{problem.what} - {op.method} {op.path} with a {kind} body"
        self.record(problems, answer.status if answer.status is not None else "no answer")
        if answer.connect_error or (answer.status is None and not answer.timed_out):
            self.check_alive(f"case {case_id}", [case_id])  # a crash: stop at once rather than fail every next case

    def http_cases(self):
        """Every body kind once on a random route that takes a body, then (shuffled) every route twice
        with a well-formed body and every body kind on every route that takes one, then random
        (route, kind) pairs until the time or --max-cases runs out."""
        plan = random.Random(f"{self.seed}:plan")
        with_body = [op for op in self.operations if op.body_schema is not None] or self.operations
        catalog = [(plan.choice(with_body), kind) for kind in BODY_KINDS]
        catalog += [(op, "valid") for op in self.operations for _ in range(2)]
        catalog += [(op, kind) for op in with_body for kind in BODY_KINDS]
        rest = catalog[len(BODY_KINDS):]
        plan.shuffle(rest)
        catalog[len(BODY_KINDS):] = rest
        index, batch = 0, []
        while self.time_left() and index < self.args.max_cases:
            case_id = f"http-{index}"
            if index < len(catalog):
                op, kind = catalog[index]
            else:
                pick = random.Random(f"{self.seed}:{case_id}:pick")
                op, kind = pick.choice(self.operations), pick.choice(list(BODY_KINDS))
            index += 1
            if kind in self.args.skip or not self.selected(case_id):
                continue
            self.http_case(case_id, op, kind)
            batch.append(case_id)
            if self.dead:
                return
            if len(batch) >= BATCH:
                if not self.check_alive(f"cases {batch[0]}..{batch[-1]}", batch):
                    return
                batch = []
        if batch:
            self.check_alive(f"cases {batch[0]}..{batch[-1]}", batch)

    def selected(self, case_id):
        if case_id in self.args.skip:
            return False
        return not self.args.case or case_id in self.args.case

    # -- raw HTTP over a socket

    def raw_cases(self):
        host = f"Host: {self.target.netloc}\r\n".encode()
        huge_header = b"GET /health/ HTTP/1.1\r\n" + host + b"X-Big: " + b"a" * 100_000 + b"\r\n\r\n"
        many_headers = b"GET /health/ HTTP/1.1\r\n" + host + b"".join(
            f"X-H{i}: {'v' * 40}\r\n".encode() for i in range(2500)) + b"\r\n"
        post = b"POST /api/auth/jwt/verify/ HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
        chunked = post + b"Transfer-Encoding: chunked\r\n\r\n"
        pipelined = (b"GET /health/ HTTP/1.1\r\n" + host + b"\r\n") * 49 + \
            b"GET /health/ HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n"
        # (name, bytes, options, allowed statuses or None for any non-5xx, close without answer allowed)
        cases = [
            ("request line garbage", b"GARBAGE\r\n\r\n", {}, None, True),
            ("request line without target", b"GET\r\n\r\n", {}, None, True),
            ("unknown HTTP version", b"GET /health/ HTTP/9.9\r\n" + host + b"\r\n", {}, None, True),
            ("request line with extra words", b"GET /health/ HTTP/1.1 extra\r\n" + host + b"\r\n", {}, None, True),
            ("binary request line", b"\x00\xff\xfe\x16\x03\x01\r\n\r\n", {}, None, True),
            ("TLS hello on the plain port", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(64)), {"half_close": True}, None, True),
            ("CONNECT", b"CONNECT 127.0.0.1:1 HTTP/1.1\r\n" + host + b"\r\n", {}, None, True),
            ("absolute target", b"GET http://127.0.0.1/health/ HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n", {}, None, True),
            ("asterisk target", b"OPTIONS * HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n", {}, None, True),
            ("target of 60 KB", b"GET /api/core/" + b"a" * 60_000 + b"/ HTTP/1.1\r\n" + host + b"\r\n", {}, None, True),
            ("header with no colon", b"GET /health/ HTTP/1.1\r\n" + host + b"NoColonHere\r\n\r\n", {}, None, True),
            ("header name with a space", b"GET /health/ HTTP/1.1\r\n" + host + b"Bad Header: x\r\n\r\n", {}, None, True),
            ("NUL in a header value", b"GET /health/ HTTP/1.1\r\n" + host + b"X-A: a\x00b\r\nConnection: close\r\n\r\n", {}, None, True),
            ("obsolete line folding", b"GET /health/ HTTP/1.1\r\n" + host + b"X-A: a\r\n b\r\nConnection: close\r\n\r\n", {}, None, True),
            # A whole head (RFC 9112 lets a server take bare LF as line end): it deserves an answer.
            ("bare LF line ends", b"GET /health/ HTTP/1.1\n" + host.replace(b"\r", b"") + b"Connection: close\n\n", {}, None, False),
            ("HTTP/1.0 without Host", b"GET /health/ HTTP/1.0\r\n\r\n", {}, None, True),
            ("two Host headers", b"GET /health/ HTTP/1.1\r\n" + host + host + b"Connection: close\r\n\r\n", {}, None, True),
            ("a 100 KB header", huge_header, {"want_close": True}, {400, 431}, False),
            ("2,500 headers", many_headers, {"want_close": True}, {400, 431}, False),
            ("Content-Length not a number", post + b"Content-Length: abc\r\n\r\n{}", {}, None, True),
            ("Content-Length negative", post + b"Content-Length: -1\r\n\r\n{}", {}, None, True),
            ("Content-Length overflowing", post + b"Content-Length: 99999999999999999999999\r\n\r\n{}", {}, None, True),
            ("two different Content-Lengths", post + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", {}, None, True),
            ("Content-Length longer than the body, then EOF", post + b"Content-Length: 100\r\n\r\n{}", {"half_close": True}, None, True),
            ("Content-Length over the body limit", post + f"Content-Length: {BODY_LIMIT * 4}\r\n\r\n".encode() + b"{}", {"half_close": True}, None, True),
            ("Content-Length and chunked", post + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", {}, None, True),
            ("chunk size not hex", chunked + b"zz\r\n{}\r\n0\r\n\r\n", {}, None, True),
            ("chunk size negative", chunked + b"-2\r\n{}\r\n0\r\n\r\n", {}, None, True),
            ("chunk size overflowing", chunked + b"ffffffffffffffffffffffff\r\n{}\r\n0\r\n\r\n", {}, None, True),
            ("chunk longer than its data, then EOF", chunked + b"100\r\n{}\r\n", {"half_close": True}, None, True),
            ("chunk without its CRLF", chunked + b"2\r\n{}0\r\n\r\n", {}, None, True),
            ("chunked with no last chunk, then EOF", chunked + b"2\r\n{}\r\n", {"half_close": True}, None, True),
            ("chunk extensions of 50 KB", chunked + b"2;" + b"e" * 50_000 + b"\r\n{}\r\n0\r\n\r\n", {}, None, True),
            ("chunked body over the body limit", chunked + (b"8000\r\n" + b"x" * 0x8000 + b"\r\n") * 40 + b"0\r\n\r\n", {}, None, True),
            ("Transfer-Encoding gzip, chunked", post + b"Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", {}, None, True),
            ("Transfer-Encoding unknown", post + b"Transfer-Encoding: bogus\r\n\r\n{}", {"half_close": True}, None, True),
            ("head cut off, then EOF", b"GET /health/ HTTP/1.1\r\n" + host, {"half_close": True}, None, True),
            ("50 pipelined requests", pipelined, {"pipelined": 50}, {200}, False),
            ("a body 1 byte over the limit", post + f"Content-Length: {BODY_LIMIT + 1}\r\n\r\n".encode()
             + b"\"" + b"x" * (BODY_LIMIT - 1) + b"\"", {}, {413}, False),
        ]
        for index, (name, data, options, allowed, close_ok) in enumerate(cases):
            case_id = f"raw-{index}"
            if not self.time_left():
                return
            if not self.selected(case_id):
                continue
            answer = self.target.exchange(data, **options)
            problems = judge_raw(case_id, name, data, answer, allowed, close_ok, options)
            for problem in problems:
                problem.kind = problem.what
            self.record(problems, answer.status if answer.status is not None else "closed")
            if not self.check_alive(f"raw case {case_id} ({name})", [case_id]):
                return

    # -- WebSocket

    def ws_url(self, token=None):
        return f"ws://{self.target.netloc}/ws/?token={token or self.token}"

    def ws_frames(self):
        """(kind, frame) pairs: kind 'valid' (ignored by the server), 'malformed' (an error frame or a
        proper close), 'either' (either of those), 'oversize' (a 1009 close)."""
        plan = random.Random(f"{self.seed}:ws")
        stream = "notification_stream"
        frames = [
            ("valid", dumps({"stream": stream, "payload": {}})),
            ("valid", dumps({"stream": stream, "payload": {"message": "UPDATE_CHAT"}})),
            ("either", dumps({"stream": stream, "payload": [1, 2]})),
            ("either", dumps({"stream": stream, "payload": None})),
            ("either", "{\"stream\": \"notification_stream\", \"payload\": 1e400}"),
            ("either", "{\"stream\": \"notification_stream\", \"payload\": {\"a\": \"\\ud800\"}}"),
            ("either", "{\"stream\": \"notification_stream\", \"payload\": {\"a\": \"\\u0000\"}}"),
            ("either", "{\"stream\": \"notification_stream\", \"stream\": \"x\", \"payload\": {}}"),
            ("either", "{\"stream\": \"notification_stream\", \"payload\": {}, \"extra\": 1}"),
            ("malformed", dumps({"stream": "chat_stream", "payload": {}})),
            ("malformed", dumps({"stream": "\ud800", "payload": {}})),
            ("malformed", dumps({"stream": 1, "payload": {}})),
            ("malformed", dumps({"payload": {}})),
            ("malformed", dumps({"stream": stream})),
            ("malformed", "[]"), ("malformed", "1"), ("malformed", "null"), ("malformed", "\"x\""),
            ("malformed", ""), ("malformed", "\u0000"), ("malformed", "not json"), ("malformed", "{"),
            ("malformed", "{\"stream\": \"notification_stream\", \"payload\": {}"),
            ("malformed", "[" * 1000), ("malformed", "[" * 60_000), ("malformed", "[" * FRAME_LIMIT),
            ("malformed", "{\"a\":" * 13_000), ("malformed", "[" * 30_000 + "]" * 30_000),
            ("malformed", "{\"stream\": " + "[" * 30_000 + "]" * 30_000 + ", \"payload\": {}}"),
            ("either", "{\"stream\": \"notification_stream\", \"payload\": " + "[" * 30_000 + "]" * 30_000 + "}"),
            ("malformed", "1" * FRAME_LIMIT), ("malformed", "-" + "9" * 60_000),
            ("malformed", b"\x00\x01\x02"), ("malformed", dumps({"stream": stream, "payload": {}}).encode()),
            ("malformed", b""), ("malformed", random.Random(f"{self.seed}:wsbin").randbytes(FRAME_LIMIT)),
            ("valid", "{\"stream\": \"notification_stream\", \"payload\": {\"a\": \"" + "x" * (FRAME_LIMIT - 50) + "\"}}"),
            ("oversize", "x" * (FRAME_LIMIT + 1)), ("oversize", b"x" * (FRAME_LIMIT + 1)),
            ("oversize", "[" * (FRAME_LIMIT + 1)), ("oversize", "x" * (1 << 20)), ("oversize", "x" * (4 << 20)),
            ("oversize", ["x" * 10_000] * 7),  # a fragmented message over the limit
            ("either", ["{\"stream\": ", "\"notification_stream\", ", "\"payload\": {}}"]),
        ]
        for _ in range(60):
            value = random_json(plan)
            if plan.random() < 0.4:
                value = {"stream": plan.choice([stream, "error", "", "x"]), "payload": random_json(plan)}
            if isinstance(value, dict) and value.get("stream") == stream and "payload" in value:
                kind = "either"
            else:
                kind = "malformed"
            frames.append((kind, dumps(value)))
        for _ in range(15):
            frames.append(("malformed", plan.randbytes(plan.choice([1, 100, 5000]))))
        return frames

    def ws_cases(self):
        """Frames one after the other on one socket, and on a fresh one after each close or failure."""
        pending = [(f"ws-{index}", kind, frame) for index, (kind, frame) in enumerate(self.ws_frames())
                   if self.selected(f"ws-{index}")]
        while pending and self.time_left():
            try:
                connection = ws_connect(self.ws_url(), open_timeout=ANSWER_TIMEOUT, close_timeout=3,
                                        ping_interval=None, max_size=None, compression=None)
            except (InvalidHandshake, OSError, TimeoutError) as error:
                case_id = pending.pop(0)[0]
                self.record([Failure(case_id, f"WebSocket handshake failed: {error!r}", "GET", "/ws/")], "ws-refused")
                if not self.check_alive(f"WebSocket case {case_id}", [case_id]):
                    return
                continue
            with connection as ws:
                while pending and self.time_left():
                    case_id, kind, frame = pending.pop(0)
                    outcome, problem = ws_probe(ws, kind, frame)
                    shape = "text" if isinstance(frame, str) else "binary" if isinstance(frame, bytes) else "fragmented"
                    shown = "".join(frame) if isinstance(frame, list) else frame
                    problems = [Failure(case_id, f"WebSocket: {problem}", "WS", "/ws/", shape, shown, outcome,
                                        kind=f"WebSocket {kind} frame: {problem.split(': ')[0]}")] if problem else []
                    self.record(problems, f"ws {outcome}")
                    if not self.check_alive(f"WebSocket case {case_id}", [case_id]):
                        return
                    if outcome.startswith("close") or problems:
                        break  # a fresh socket for the next frame

    def ws_handshake_cases(self):
        key = base64.b64encode(b"0123456789abcdef").decode()
        good = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}

        def variant(**changes):
            headers = dict(good)
            for name, value in changes.items():
                name = name.replace("_", "-")
                if value is None:
                    headers.pop(name, None)
                else:
                    headers[name] = value
            return headers

        token = self.token
        # (name, target, headers, 101 allowed)
        cases = [
            ("a valid handshake", f"/ws/?token={token}", good, True),
            ("key not base64", f"/ws/?token={token}", variant(Sec_WebSocket_Key="not base64!!"), False),
            ("key of 3 bytes", f"/ws/?token={token}", variant(Sec_WebSocket_Key="YWJj"), False),
            ("key of 4 KB", f"/ws/?token={token}", variant(Sec_WebSocket_Key="QUFB" * 1000), False),
            ("no key", f"/ws/?token={token}", variant(Sec_WebSocket_Key=None), False),
            ("version 12", f"/ws/?token={token}", variant(Sec_WebSocket_Version="12"), False),
            ("version huge", f"/ws/?token={token}", variant(Sec_WebSocket_Version="99999999999999999999"), False),
            ("version text", f"/ws/?token={token}", variant(Sec_WebSocket_Version="abc"), False),
            ("no version", f"/ws/?token={token}", variant(Sec_WebSocket_Version=None), False),
            ("no Upgrade header", f"/ws/?token={token}", variant(Upgrade=None), False),
            ("Upgrade h2c", f"/ws/?token={token}", variant(Upgrade="h2c"), False),
            ("no token", "/ws/", good, False),
            ("garbage token", "/ws/?token=garbage", good, False),
            ("token of 50 KB", "/ws/?token=" + "a" * 50_000, good, False),
            ("refresh token", f"/ws/?token={self.refresh or 'x'}", good, False),
            ("token with percent junk", "/ws/?token=%zz%ff%00", good, False),
            ("bad extension offer", f"/ws/?token={token}",
             variant(Sec_WebSocket_Extensions="permessage-deflate; client_max_window_bits=99; " + "x" * 3000), True),
            ("odd subprotocols", f"/ws/?token={token}", variant(Sec_WebSocket_Protocol=", , ,\x01"), True),
        ]
        for index, (name, target, headers, upgrade_ok) in enumerate(cases):
            case_id = f"wshs-{index}"
            if not self.time_left():
                return
            if not self.selected(case_id):
                continue
            answer = self.target.request("GET", target, list(headers.items()), close=False)
            problems = []
            described = f"handshake with {name}"
            if answer.status is None and answer.timed_out:
                problems.append(Failure(case_id, f"{described}: no answer within 10 s", "GET", target, "", b"", None, answer.shown()))
            elif answer.status is not None and answer.status >= 500:
                problems.append(Failure(case_id, f"{described}: answered {answer.status}", "GET", target, "", b"", answer.status, answer.shown()))
            elif answer.status == 101 and not upgrade_ok:
                problems.append(Failure(case_id, f"{described}: accepted (101)", "GET", target, "", b"", 101, answer.shown()))
            elif answer.status == 101 and answer.headers.get("sec-websocket-accept") != accept_key(headers.get("Sec-WebSocket-Key", "")):
                problems.append(Failure(case_id, f"{described}: wrong Sec-WebSocket-Accept", "GET", target, "", b"", 101, answer.shown()))
            elif answer.status is None and not answer.closed:
                problems.append(Failure(case_id, f"{described}: no answer", "GET", target, "", b"", None, answer.shown()))
            elif name == "a valid handshake" and answer.status != 101:
                problems.append(Failure(case_id, f"{described}: answered {answer.status}", "GET", target, "", b"", answer.status, answer.shown()))
            self.record(problems, f"ws-handshake {answer.status if answer.status is not None else 'closed'}")
            if not self.check_alive(f"handshake case {case_id}", [case_id]):
                return

    def ws_raw_frame_cases(self):
        """Frames no client library would send, after a valid handshake on a raw socket."""
        big = struct.pack("!BBQ", 0x81, 0x80 | 127, (1 << 63) - 1) + b"\x00\x00\x00\x00" + b"x" * 100
        # (name, bytes, must be refused: by a close with a proper code or an error frame, not ignored)
        cases = [
            ("unmasked text frame", bytes([0x81, 0x02]) + b"{}", True),
            ("RSV1 without an extension", ws_frame(0x1, b"{}", rsv=0x40), True),
            ("reserved opcode 3", ws_frame(0x3, b"x"), True),
            ("reserved control opcode 11", ws_frame(0xB, b"x"), True),
            ("continuation with nothing to continue", ws_frame(0x0, b"x"), True),
            ("ping of 126 bytes", ws_frame(0x9, b"p" * 126), True),
            ("fragmented ping", ws_frame(0x9, b"p", fin=False), True),
            ("length 2^63-1", big, True),
            ("length with the top bit set", struct.pack("!BBQ", 0x81, 0x80 | 127, 1 << 63) + b"\x00" * 4, True),
            ("non-minimal length", struct.pack("!BBQ", 0x81, 0x80 | 127, 2) + b"\x00" * 4 + b"{}", False),
            ("text that is not UTF-8", ws_frame(0x1, b"\xff\xfe\xc0\xaf"), True),
            ("text fragments splitting a UTF-8 sequence", ws_frame(0x1, b"\"\xe2\x82", fin=False) + ws_frame(0x0, b"\xac\""), False),
            ("close with code 999", ws_frame(0x8, struct.pack("!H", 999)), False),
            ("close with code 1005", ws_frame(0x8, struct.pack("!H", 1005)), False),
            ("close with code 5000", ws_frame(0x8, struct.pack("!H", 5000)), False),
            ("close with 1 byte", ws_frame(0x8, b"\x03"), False),
            ("close reason not UTF-8", ws_frame(0x8, struct.pack("!H", 1000) + b"\xff"), False),
            ("new message inside a fragmented one", ws_frame(0x1, b"[", fin=False) + ws_frame(0x1, b"]"), True),
            ("3,000 fragments of a small message", ws_frame(0x1, b"[", fin=False) + ws_frame(0x0, b" ", fin=False) * 3000 + ws_frame(0x0, b"]"), False),
            ("fragments over the size limit", ws_frame(0x1, b"x" * 30_000, fin=False) + ws_frame(0x0, b"x" * 30_000, fin=False) + ws_frame(0x0, b"x" * 30_000), True),
            ("frame cut off, then EOF", ws_frame(0x1, b"x" * 1000)[:500], False),
        ]
        for index, (name, data, must_refuse) in enumerate(cases):
            case_id = f"wsraw-{index}"
            if not self.time_left():
                return
            if not self.selected(case_id):
                continue
            outcome, problem = self.raw_ws_exchange(data, half_close=name.endswith("EOF"), must_refuse=must_refuse)
            problems = [Failure(case_id, f"raw WebSocket {name}: {problem}", "WS", "/ws/", "raw frames", data, outcome)] if problem else []
            self.record(problems, f"ws-raw {outcome}")
            if not self.check_alive(f"raw WebSocket case {case_id}", [case_id]):
                return

    def raw_ws_exchange(self, frames, half_close=False, must_refuse=False):
        """Opens /ws/ on a raw socket, sends frames and a ping, and reads until a close frame, the
        end of the connection, or the pong (and, when the frames must be refused, an error frame,
        which may come after the pong). Returns (outcome, problem or None)."""
        key = base64.b64encode(random.Random(f"{self.seed}:key").randbytes(16)).decode()
        head = (f"GET /ws/?token={self.token} HTTP/1.1\r\nHost: {self.target.netloc}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        deadline = time.monotonic() + ANSWER_TIMEOUT
        try:
            sock = socket.create_connection((self.target.host, self.target.port), timeout=ANSWER_TIMEOUT)
        except OSError as error:
            return "no connection", f"connect: {error}"
        with sock:
            reader = FrameReader(sock, deadline)
            try:
                sock.sendall(head)
                status = reader.read_head()
                if status != 101:
                    return f"handshake {status}", f"handshake answered {status}"
                sock.sendall(frames)
                if half_close:
                    sock.shutdown(socket.SHUT_WR)
                else:
                    sock.sendall(ws_frame(0x9, b"fuzz-ping"))
            except socket.timeout:
                return "timeout", "no answer within 10 s"
            except OSError:
                pass  # the server may close before reading everything; what it sent is read below
            saw_error = saw_pong = False
            while True:
                try:
                    frame = reader.read_frame()
                except socket.timeout:
                    if saw_pong:
                        return "ignored", "no close and no error frame within 10 s (the ping was answered)"
                    return "timeout", "no close, pong or end of connection within 10 s"
                except OSError:
                    return "closed", None
                if frame is None:
                    return "closed", None
                opcode, payload = frame
                if opcode == 0x8:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    if code not in PROPER_CLOSE_CODES and code != 1005:
                        return f"close {code}", f"closed with {code}"
                    return f"close {code}", None
                if opcode == 0x1 and is_error_frame(payload):
                    saw_error = True
                if opcode == 0xA and payload == b"fuzz-ping":
                    saw_pong = True
                if saw_pong and (saw_error or not must_refuse):
                    return ("error frame" if saw_error else "ignored"), None

    # -- the whole pass

    def run(self):
        print(f"fuzz: seed {self.seed} (replay with --seed {self.seed}), {self.args.seconds} s against {self.args.base}", flush=True)
        if not self.check_alive("start"):
            return self.finish()
        self.log_in()
        self.operations = load_operations(self.target)
        self.all_fields = sorted({name for op in self.operations for name in op.fields})
        print(f"fuzz: {len(self.operations)} operations from /swagger.json/, {len(BODY_KINDS)} body kinds", flush=True)
        phases = [("raw HTTP", self.raw_cases), ("WebSocket handshakes", self.ws_handshake_cases),
                  ("raw WebSocket frames", self.ws_raw_frame_cases), ("WebSocket frames", self.ws_cases),
                  ("HTTP routes", self.http_cases)]
        for index, (name, phase) in enumerate(phases):
            if not self.time_left():
                if not self.dead:
                    print("fuzz: out of time before: " + ", ".join(name for name, _ in phases[index:]))
                break
            phase()
        return self.finish()

    def finish(self):
        for failure in self.failures:
            print(failure.show(self.seed))
        classes = collections.Counter(failure.kind for failure in self.failures)
        if classes:
            print("fuzz: failures by kind:")
            for what, count in classes.most_common():
                print(f"  {count:6}  {what}")
        if self.slowest:
            print("fuzz: slowest HTTP answers: " + ", ".join(f"{case_id} {seconds:.2f} s ({what})"
                                                          for seconds, case_id, what in self.slowest))
        print("fuzz: answers: " + ", ".join(f"{key}: {count}" for key, count in
                                            sorted(self.statuses.items(), key=lambda item: str(item[0]))))
        print(f"fuzz: seed {self.seed}")
        print(f"fuzz: {self.passed} passed, {len(self.failures)} failed")
        return 1 if self.failures else 0


def judge_http(case_id, method, target, content_type, body, answer, expect, send_failure_ok):
    def fail(what):
        return [Failure(case_id, what, method, target, content_type or "", body or b"", answer.status, answer.shown())]

    if answer.connect_error:
        return fail(f"no connection ({answer.connect_error})")
    if answer.status is None:
        if answer.timed_out:
            return fail("no answer within 10 s")
        if send_failure_ok and answer.send_error:
            return []  # refused while the body was still being sent; the answer was lost in the reset
        return fail("connection closed without an answer")
    if answer.status < 0:
        return fail("answer is not HTTP")
    if not answer.complete:
        return fail("answer incomplete within 10 s" if answer.timed_out else "answer cut off")
    if answer.status >= 500:
        return fail(f"answered {answer.status}")
    if target.startswith("/api/") and method != "HEAD" and (problem := not_json_error(answer)):
        return fail(problem)
    if expect and answer.status not in expect:
        wanted = "a 4xx refusal" if expect == REFUSED else "/".join(map(str, sorted(expect)))
        return fail(f"expected {wanted}, got {answer.status}")
    return []


def not_json_error(answer):
    """What is wrong with an error answer that is not JSON, or None."""
    if answer.status < 400:
        return None
    content = answer.headers.get("content-type", "")
    if not content.startswith("application/json"):
        return f"error {answer.status} with content-type {content!r}, not JSON"
    try:
        json.loads(answer.body)
    except ValueError:
        return f"error {answer.status} whose body is not JSON"
    return None


def judge_raw(case_id, name, data, answer, allowed, close_ok, options):
    def fail(what):
        return [Failure(case_id, f"raw {name}: {what}", "RAW", "", "", data, answer.status, answer.shown())]

    if answer.connect_error:
        return fail(answer.connect_error)
    if answer.status is None:
        if answer.timed_out:
            return fail("no answer and no close within 10 s")
        return [] if close_ok else fail("closed without an answer")
    if answer.status < 0:
        return fail("answer is not HTTP")
    if answer.status >= 500:
        return fail(f"answered {answer.status}")
    if not answer.complete and not options.get("pipelined"):
        return fail("answer incomplete within 10 s" if answer.timed_out else "answer cut off")
    if allowed and answer.status not in allowed:
        return fail(f"expected {'/'.join(map(str, sorted(allowed)))}, got {answer.status}")
    if data.split(b" ", 2)[1:2] and data.split(b" ", 2)[1].startswith(b"/api/") and (problem := not_json_error(answer)):
        return fail(problem)
    if options.get("want_close") and not answer.closed:
        return fail(f"answered {answer.status} but left the connection open")
    if options.get("pipelined") and answer.responses != options["pipelined"]:
        return fail(f"{answer.responses} answers to {options['pipelined']} pipelined requests")
    return []


def ws_probe(ws, kind, frame):
    """Sends one frame (a list: fragments of one message) and checks what the server does.
    Returns (outcome, problem or None)."""
    # The library's send has no timeout: a server that stops reading would hold it forever.
    stuck = threading.Event()

    def unblock():
        stuck.set()
        try:
            ws.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    watchdog = threading.Timer(ANSWER_TIMEOUT + 2, unblock)
    watchdog.start()
    try:
        outcome, problem = ws_exchange(ws, kind, frame)
    finally:
        watchdog.cancel()
    if stuck.is_set():
        return "stuck", "the frame was not read within 10 s"
    return outcome, problem


def ws_exchange(ws, kind, frame):
    deadline = time.monotonic() + ANSWER_TIMEOUT
    try:
        ws.send(frame)
        if kind == "oversize":
            while True:
                ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        # The pong shows that the server read the frame and is still there; an error frame for a
        # malformed one may come just before or after it.
        pong = ws.ping()
        saw_error = False
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = ws.recv(timeout=min(remaining, 0.05))
            except TimeoutError:
                message = None
            if message is not None:
                if not is_error_frame(message):
                    return "unexpected frame", f"unexpected frame: {message[:MAX_SHOWN]!r}"
                if kind == "valid":
                    return "error frame", f"an error frame for a valid frame: {message[:MAX_SHOWN]!r}"
                saw_error = True
            if pong.is_set() and (saw_error or kind != "malformed"):
                return ("error frame" if saw_error else "ignored"), None
        if pong.is_set():
            return "ignored", "no error frame for a malformed frame within 10 s"
        return "silent", "no pong within 10 s"
    except TimeoutError:
        return "silent", ("no 1009 close within 10 s" if kind == "oversize" else "no answer within 10 s")
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd is not None else 1006
        if kind == "oversize" and code != 1009:
            return f"close {code}", f"closed with {code}, not 1009, for a frame over the limit"
        if code not in PROPER_CLOSE_CODES:
            return f"close {code}", f"closed with {code}" + (" (no close frame)" if code == 1006 else "")
        return f"close {code}", None


def is_error_frame(message):
    try:
        value = json.loads(message)
    except (ValueError, TypeError):
        return False
    return isinstance(value, dict) and value.get("stream") == "error" and \
        isinstance(value.get("payload"), dict) and isinstance(value["payload"].get("message"), str)


def ws_frame(opcode, payload, fin=True, rsv=0, mask=b"\x11\x22\x33\x44"):
    first = (0x80 if fin else 0) | rsv | opcode
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", first, 0x80 | length)
    elif length < 65536:
        head = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", first, 0x80 | 127, length)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def accept_key(key):
    digest = hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
    return base64.b64encode(digest).decode()


class FrameReader:
    """Reads an HTTP head and then server frames from a raw socket, bounded by one deadline."""

    def __init__(self, sock, deadline):
        self.sock, self.deadline, self.buf = sock, deadline, b""

    def fill(self, size):
        while len(self.buf) < size:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout()
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if not self.fill(len(self.buf) + 1):
                return None
        status = parse_head(self.buf)[0]
        self.buf = self.buf[self.buf.find(b"\r\n\r\n") + 4:]
        return status

    def read_frame(self):
        if not self.fill(2):
            return None
        opcode, length = self.buf[0] & 0x0F, self.buf[1] & 0x7F
        offset = 2
        if length == 126:
            if not self.fill(4):
                return None
            length, offset = struct.unpack("!H", self.buf[2:4])[0], 4
        elif length == 127:
            if not self.fill(10):
                return None
            length, offset = struct.unpack("!Q", self.buf[2:10])[0], 10
        if not self.fill(offset + length):
            return None
        payload = self.buf[offset:offset + length]
        self.buf = self.buf[offset + length:]
        return opcode, payload


def process_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8000 (loopback only)")
    parser.add_argument("--seconds", type=float, default=60, help="time bound of the whole pass (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="seed of every case (default: random, printed)")
    parser.add_argument("--pid", type=int, default=None, help="the server process, checked after every batch")
    parser.add_argument("--token", default=None, help="an access token (default: log in as the dev-mode demo user)")
    parser.add_argument("--max-cases", type=int, default=20_000, help="most HTTP cases (default 20000)")
    parser.add_argument("--case", action="append", default=[], help="replay only this case id (repeatable)")
    parser.add_argument("--skip", action="append", default=[], metavar="KIND_OR_CASE",
                        help="leave out a body kind (deep_array, multipart_long_boundary, ...) or one case id, "
                             "to look past a known failure (repeatable)")
    args = parser.parse_args()
    unknown = [name for name in args.skip if name not in BODY_KINDS and not name.split("-")[0] in CASE_PREFIXES]
    if unknown:
        parser.error(f"--skip {unknown[0]}: not a case id nor a body kind ({', '.join(sorted(BODY_KINDS))})")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 10**9)
    sys.exit(Fuzzer(args).run())


if __name__ == "__main__":
    main()
