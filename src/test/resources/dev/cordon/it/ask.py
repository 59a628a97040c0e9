#!/usr/bin/python3
"""ask.py NAME TXID: connects a UDP socket to 127.0.0.53:53, prints "ready PID PORT", waits for a
line on stdin, then sends one A query for NAME with transaction id TXID and prints the answer."""
import os
import socket
import sys

import dnslib

name, txid = sys.argv[1], int(sys.argv[2], 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect(("127.0.0.53", 53))
print("ready %d %d" % (os.getpid(), s.getsockname()[1]), flush=True)
sys.stdin.readline()
s.send(dnslib.query(name, "A", txid))
r = dnslib.parse(s.recv(65535))
print("answer %s id=%d" % (r["rcode"], r["id"]), flush=True)
