#!/usr/bin/python3
"""llm_stub: a loopback OpenAI-compatible chat/completions server for the
LLM tests (standard library only). Usage:

    llm_stub.py DIR SCRIPT

It listens on 127.0.0.1 (a free port, written to DIR/port), answers POST
.../v1/chat/completions with the SCRIPT's steps in order (the last step
repeats), and records every request: DIR/count (how many), DIR/req-N.json
(the body) and DIR/auth-N (the Authorization header, to check that the key
arrives). Steps, comma-separated:

    content:FILE      200, a chat completion whose message content is FILE
    lastline:FILE     as content:, with @KEY@ in FILE replaced by the last line
                      of the prompt's condensed log (markers taken off) that
                      is long enough to be a key line (JSON-quoted): a valid
                      verdict for any log, for the corpus runner's test
    status:N          HTTP status N with a small JSON error body
    noformat:FILE     400 when the request has response_format, else as content:
    slow:S:FILE       waits S seconds, then as content:
    big               200 with a 10 MB body
    drip              200, the body dripped one byte a second
    reset             closes the connection without an answer
"""
import http.server
import json
import os
import socket
import sys
import threading
import time

DIR, SCRIPT = sys.argv[1], sys.argv[2].split(",")
lock = threading.Lock()
count = [0]


def last_log_line(body):
    """The last line of the condensed log in the request's prompt, without
    the compressor's "!!" and "[xN ...]" markers, of at least 8 bytes."""
    try:
        text = json.loads(body)["messages"][-1]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
    log = text.split("some lines may be left out):", 1)[-1]
    for line in reversed(log.splitlines()):
        line = line.strip()
        if line.startswith("!!"):
            line = line[2:].strip()
        if line.startswith("[x") and "] " in line:
            line = line.split("] ", 1)[1].strip()
        if len(line.encode()) >= 8 and not line.startswith("(last:"):
            return line
    return ""


def completion(path, key=None):
    with open(path) as f:
        content = f.read()
    if key is not None:
        content = content.replace("@KEY@", json.dumps(key))
    return json.dumps({"id": "stub", "object": "chat.completion",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                    "finish_reason": "stop"}]}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with lock:
            i = count[0]
            count[0] += 1
            with open(os.path.join(DIR, "req-%d.json" % i), "wb") as f:
                f.write(body)
            with open(os.path.join(DIR, "auth-%d" % i), "w") as f:
                f.write(self.headers.get("Authorization", ""))
            with open(os.path.join(DIR, "count.tmp"), "w") as f:
                f.write(str(count[0]))
            os.rename(os.path.join(DIR, "count.tmp"), os.path.join(DIR, "count"))
        if not self.path.endswith("/v1/chat/completions"):
            return self.send(404, b'{"error":"not found"}')
        step = SCRIPT[min(i, len(SCRIPT) - 1)].split(":")
        kind = step[0]
        if kind == "content":
            return self.send(200, completion(step[1]))
        if kind == "lastline":
            return self.send(200, completion(step[1], last_log_line(body)))
        if kind == "status":
            return self.send(int(step[1]), b'{"error":{"message":"scripted"}}')
        if kind == "noformat":
            if b"response_format" in body:
                return self.send(400, b'{"error":{"message":"unknown field response_format"}}')
            return self.send(200, completion(step[1]))
        if kind == "slow":
            time.sleep(float(step[1]))
            return self.send(200, completion(step[2]))
        if kind == "big":
            return self.send(200, b'{"choices":[{"message":{"content":"' + b"x" * (10 << 20) + b'"}}]}')
        if kind == "drip":
            data = completion(step[1]) if len(step) > 1 else b'{"choices":[]}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for b in data:
                self.wfile.write(bytes([b]))
                self.wfile.flush()
                time.sleep(1)
            return
        if kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            return
        self.send(500, b'{"error":"bad script"}')


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
try:
    srv.serve_forever()
except (BrokenPipeError, ConnectionResetError):
    pass
