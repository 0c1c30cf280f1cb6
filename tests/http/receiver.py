#!/usr/bin/env python3
"""The webhook endpoint of the http sink tests. Logs every request it gets
as one JSON line (its headers of interest, the raw body in base64, the
status it answered, the time it arrived) and answers per a script:
  receiver.py PORT_FILE LOG [RULE...]     (port 0: any free port, written to PORT_FILE)
  receiver.py PORT_FILE LOG --port N [RULE...]
"reject:F" answers 400 to every request whose Streamq-Sequence starts at
F; "delay:S" waits S seconds before every answer. The other rules script
the answers to the other requests by their number, in the order given:
"N*STATUS" answers the next N with STATUS; "N*429@S" with 429 and
Retry-After: S seconds; "N*503@date:S" with an HTTP-date S seconds ahead;
"N*hang" never answers, waiting (up to 120 s) until the client gives up
and closes the connection, so a client timeout is seen whatever its
length. Then 200. A request the client gave up on is logged with status -1."""
import base64, email.utils, json, select, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = sys.argv[1:]
port_file, log_path = args[0], args[1]
port = 0
rest = args[2:]
if rest[:1] == ["--port"]:
    port, rest = int(rest[1]), rest[2:]
script, rejects, delay = [], set(), 0.0
for rule in rest:
    if rule.startswith("reject:"):
        rejects.add(int(rule[7:]))
    elif rule.startswith("delay:"):
        delay = float(rule[6:])
    else:
        n, what = rule.split("*", 1)
        script += [what] * int(n)
lock = threading.Lock()
log = open(log_path, "a")

class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as streamq uses it

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        seq = self.headers.get("Streamq-Sequence", "")
        if seq and int(seq.split("-")[0]) in rejects:
            what = "400"
        else:
            with lock:
                what = script.pop(0) if script else "200"
        if delay:
            time.sleep(delay)
        extra = {}
        if what == "hang":
            self.close_connection = True
            self.record(seq, body, -1 if self.client_gone(120) else 0)
            return
        if "@date:" in what:
            what, s = what.split("@date:")
            extra["Retry-After"] = email.utils.formatdate(time.time() + float(s), usegmt=True)
        elif "@" in what:
            what, s = what.split("@")
            extra["Retry-After"] = s
        status = int(what)
        answer = b'{"ok":true}' if status < 300 else b'{"error":"rows refused"}'
        try:
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            status = -1  # the client gave up (its timeout) before the answer
        self.record(seq, body, status)

    def client_gone(self, limit):
        """Waits up to `limit` seconds for the client to close the connection."""
        end = time.time() + limit
        while time.time() < end:
            if select.select([self.connection], [], [], 0.1)[0]:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return True
                except OSError:
                    return True
                time.sleep(0.1)  # bytes of a next request: not ours to read
        return False

    def record(self, seq, body, status):
        entry = {"t": time.time(), "status": status, "seq": seq, "body": base64.b64encode(body).decode()}
        for h in ("Idempotency-Key", "Content-Encoding", "Content-Type", "Authorization", "X-Team",
                  "webhook-id", "webhook-timestamp", "webhook-signature"):
            if h in self.headers:
                entry[h] = self.headers[h]
        with lock:
            log.write(json.dumps(entry) + "\n")
            log.flush()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", port), Hook)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
