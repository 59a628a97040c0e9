#!/usr/bin/python3
"""fire.py NAME: prints its pid, sends one A query for NAME to 127.0.0.53:53 and exits at once,
without waiting for the answer."""
import os
import socket

import dnslib
import sys

print(os.getpid(), flush=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(dnslib.query(sys.argv[1], "A", os.getpid() & 0xFFFF), ("127.0.0.53", 53))
os._exit(0)
