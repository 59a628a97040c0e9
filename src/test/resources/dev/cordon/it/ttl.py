#!/usr/bin/python3
"""ttl.py NAME HTTP_PORT ECHO_PORT LIMIT_S

Resolves NAME once, then connects to the address it got, without asking DNS again, every 100 ms
until a connect fails or LIMIT_S pass (a bounded wait on the condition "the learned address
expired"). A TCP connection opened right after resolving is used again at the end: expiry must
not cut existing connections."""
import errno
import socket
import sys
import time

name, port, echo_port, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
t0 = time.monotonic()
ip = socket.getaddrinfo(name, port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
print("resolved %s" % ip, flush=True)


def try_connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((ip, port))
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


first = try_connect()
print("first %s" % first, flush=True)
held = socket.create_connection((ip, echo_port), timeout=2)
oks, last = 0, first
while time.monotonic() - t0 < limit:
    last = try_connect()
    if last != "ok":
        break
    oks += 1
    time.sleep(0.1)
print("expired %s after_ms=%d oks=%d" % (last, (time.monotonic() - t0) * 1000, oks), flush=True)
held.sendall(b"still here\n")
print("held %s" % held.makefile().readline().strip(), flush=True)
