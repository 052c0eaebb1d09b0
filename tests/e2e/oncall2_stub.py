"""oncall2_stub.py: a loopback webhook stub for the notification tests.

  oncall2_stub.py PORTFILE LOGFILE JOURNAL

Serves on 127.0.0.1 (a free port, written to PORTFILE). Every POST is
appended to LOGFILE as one JSON line {"mode", "path", "ctype", "body",
"released"}. The first path component is the mode: "ok" answers 200 at
once; "slow" and "fail" first hold the request until JOURNAL holds the
attempt_start of attempt 1 (the restart went ahead while the notification
was pending: "released" is "journal"; after 60 s, "timeout"), then answer 200
and 500.
"""
import http.server
import json
import os
import sys
import time

PORTFILE, LOGFILE, JOURNAL = sys.argv[1:4]


def restarted():
    try:
        with open(JOURNAL) as f:
            for line in f:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if ev.get("event") == "attempt_start" and ev.get("attempt") == 1:
                    return True
    except OSError:
        pass
    return False


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        mode = self.path.strip("/").split("/")[0]
        released = "now"
        if mode in ("slow", "fail"):
            released = "timeout"
            for _ in range(600):
                if restarted():
                    released = "journal"
                    break
                time.sleep(0.1)
        with open(LOGFILE, "a") as f:
            f.write(json.dumps({"mode": mode, "path": self.path, "ctype": self.headers.get("Content-Type"),
                                "body": body, "released": released}) + "\n")
        code = 500 if mode == "fail" else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(s.server_port))
os.rename(PORTFILE + ".tmp", PORTFILE)
s.serve_forever()
