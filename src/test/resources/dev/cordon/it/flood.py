#!/usr/bin/python3
"""flood.py N TIMEOUT_MS: sends N queries (distinct names and ids) on one UDP socket as fast as it can,
then collects answers for up to 10 s. Prints "sent N ms=X", then "early RCODE=COUNT" for answers that
came before TIMEOUT_MS (the proxy's upstream timeout) had passed since the first send, so that no
query could yet have timed out upstream, and "total RCODE=COUNT" for all of them."""
import socket
import sys
import time
from collections import Counter

import dnslib

n = int(sys.argv[1])
timeout = int(sys.argv[2]) / 1000
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.connect(("127.0.0.53", 53))
t0 = time.monotonic()
for i in range(n):
    s.send(dnslib.query("flood%d.internal" % i, "A", i))
sent = time.monotonic()
print("sent %d ms=%d" % (n, (sent - t0) * 1000), flush=True)
early, total, seen = Counter(), Counter(), set()
s.settimeout(0.5)
while len(seen) < n and time.monotonic() - sent < 10:
    try:
        r = dnslib.parse(s.recv(65535))
    except socket.timeout:
        continue
    if r["id"] in seen:
        continue
    seen.add(r["id"])
    total[r["rcode"]] += 1
    if time.monotonic() - t0 < timeout:
        early[r["rcode"]] += 1
for k, v in sorted(early.items()):
    print("early %s=%d" % (k, v), flush=True)
for k, v in sorted(total.items()):
    print("total %s=%d" % (k, v), flush=True)
