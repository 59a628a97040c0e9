#!/usr/bin/python3
"""connect.py IP PORT: one TCP connect. Prints "connect ok ms=N" or "connect errno=NAME ms=N"; exit 0 / 1."""
import errno
import socket
import sys
import time

ip, port = sys.argv[1], int(sys.argv[2])
family = socket.AF_INET6 if ":" in ip else socket.AF_INET
t0 = time.monotonic()
s = socket.socket(family, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect((ip, port))
    print("connect ok ms=%d" % ((time.monotonic() - t0) * 1000), flush=True)
    sys.exit(0)
except OSError as e:
    print("connect errno=%s ms=%d" % (errno.errorcode.get(e.errno, e.errno), (time.monotonic() - t0) * 1000), flush=True)
    sys.exit(1)
finally:
    s.close()
