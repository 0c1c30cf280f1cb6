#!/usr/bin/env python3
"""Reads a receiver log (receiver.py) and prints what the tests assert on.
  check.py rows LOG [SECRET]   the rows of answered (2xx) requests, deduplicated
      by Streamq-Sequence, one per line in sequence order; exits 1 if a row
      number came twice with different bytes, a request's Idempotency-Key
      does not match its sequence, or (with SECRET) a signature is wrong
  check.py gaps LOG            for each request answered 429/503 with
      Retry-After, the seconds until the same sequence came again
  check.py statuses LOG        "STATUS COUNT" per status answered (-1: the
      client gave up first), in status order"""
import base64, gzip, hashlib, hmac, json, sys

def requests(path):
    return [json.loads(line) for line in open(path)]

def body_rows(r):
    body = base64.b64decode(r["body"])
    raw = body
    if r.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    kind = r.get("Content-Type", "")
    if "ndjson" in kind:
        rows = body.decode().split("\n")[:-1]
    else:
        parsed = json.loads(body)
        rows = [json.dumps(x, separators=(",", ":")) for x in (parsed if isinstance(parsed, list) else [parsed])]
    return raw, rows

def verify(r, raw, secret):
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    signed = f'{r["webhook-id"]}.{r["webhook-timestamp"]}.'.encode() + raw
    want = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(want, r.get("webhook-signature", ""))

def rows(path, secret=None):
    seen, bad = {}, 0
    for r in requests(path):
        raw, got = body_rows(r)
        first, last = map(int, r["seq"].split("-"))
        if last - first + 1 != len(got) or not r["Idempotency-Key"].endswith(f".{first}-{last}"):
            print(f"request {r['seq']} carries {len(got)} rows, key {r['Idempotency-Key']}", file=sys.stderr)
            bad += 1
        if secret and not verify(r, raw, secret):
            print(f"request {r['seq']}: bad signature", file=sys.stderr)
            bad += 1
        if not 200 <= r["status"] < 300:
            continue
        for i, row in enumerate(got):
            if seen.setdefault(first + i, row) != row:
                print(f"row {first + i} sent twice with different bytes", file=sys.stderr)
                bad += 1
    for n in sorted(seen):
        print(seen[n])
    sys.exit(1 if bad else 0)

def gaps(path):
    log = requests(path)
    for i, r in enumerate(log):
        if r["status"] in (429, 503):
            again = next((x for x in log[i + 1:] if x["seq"] == r["seq"]), None)
            if again:
                print(f'{again["t"] - r["t"]:.3f}')

def statuses(path):
    counts = {}
    for r in requests(path):
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    for status in sorted(counts):
        print(status, counts[status])

{"rows": rows, "gaps": gaps, "statuses": statuses}[sys.argv[1]](*sys.argv[2:])
