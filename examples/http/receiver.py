#!/usr/bin/env python3
"""A webhook receiver that applies every row of a streamq http sink exactly
once. streamq numbers the rows it sends (0, 1, 2, ...) and may send some
again after a retry or a restart; each request says which numbers it
carries in `Streamq-Sequence: FIRST-LAST`. Storing each row under its
number, in the same transaction as the row itself, drops every repeat,
whatever the order and however a resend cuts its requests.

    python3 receiver.py PORT rows.db     # then: sqlite3 rows.db 'SELECT row FROM rows'
"""
import gzip, json, sqlite3, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, db = int(sys.argv[1]), sqlite3.connect(sys.argv[2], check_same_thread=False)
db.execute("CREATE TABLE IF NOT EXISTS rows (seq INTEGER PRIMARY KEY, row TEXT)")
lock = threading.Lock()

class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        first, last = map(int, self.headers["Streamq-Sequence"].split("-"))
        rows = json.loads(body)  # format = 'json': an array of row objects
        with lock, db:  # one transaction: the rows and their numbers
            db.executemany("INSERT OR IGNORE INTO rows VALUES (?, ?)",
                           [(first + i, json.dumps(row)) for i, row in enumerate(rows)])
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", port), Hook).serve_forever()
