#!/usr/bin/python3
"""floodnames.py N SUFFIX [INFLIGHT] [DEADLINE_S]: asks 127.0.0.53:53 for N random names under SUFFIX
(A queries, one UDP socket), keeping at most INFLIGHT (default 256) unanswered at once; a query
unanswered after 5 s counts as lost and frees its slot. Stops at DEADLINE_S (default 120) whatever
is left. Prints one line:
    flood sent=N answered=N lost=N addresses=N rcode.NXDOMAIN=N ... seconds=X
"addresses" counts answers that carried an A record (a fail-open would show here)."""
import random
import socket
import string
import sys
import time
from collections import Counter

import dnslib

n, suffix = int(sys.argv[1]), sys.argv[2]
window = int(sys.argv[3]) if len(sys.argv) > 3 else 256
deadline_s = float(sys.argv[4]) if len(sys.argv) > 4 else 120.0
rng = random.Random(4242)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.connect(("127.0.0.53", 53))
s.settimeout(0.2)

t0 = time.monotonic()
pending = {}  # txid -> send time
sent = answered = lost = addresses = 0
rcodes = Counter()
next_id = 0
while (sent < n or pending) and time.monotonic() - t0 < deadline_s:
    while sent < n and len(pending) < window:
        next_id = (next_id + 1) & 0xFFFF
        if next_id in pending:
            break
        label = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(12))
        s.send(dnslib.query("%s.%s" % (label, suffix), "A", next_id))
        pending[next_id] = time.monotonic()
        sent += 1
    try:
        r = dnslib.parse(s.recv(65535))
        if pending.pop(r["id"], None) is not None:
            answered += 1
            rcodes[r["rcode"]] += 1
            if r["ips"]:
                addresses += 1
    except socket.timeout:
        now = time.monotonic()  # only when nothing arrives for 0.2 s: the scan is O(window)
        for txid in [t for t, at in pending.items() if now - at > 5]:
            del pending[txid]
            lost += 1
lost += len(pending)
print("flood sent=%d answered=%d lost=%d addresses=%d %s seconds=%.1f" % (
    sent, answered, lost, addresses, " ".join("rcode.%s=%d" % kv for kv in sorted(rcodes.items())),
    time.monotonic() - t0), flush=True)
