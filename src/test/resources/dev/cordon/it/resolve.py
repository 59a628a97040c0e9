#!/usr/bin/python3
"""resolve.py NAME...: socket.getaddrinfo for each NAME (as glibc resolves), with the time it took.
Prints NAME ok ADDR,... ms=N  or  NAME error=EAI_... ms=N"""
import socket
import sys
import time

for name in sys.argv[1:]:
    t0 = time.monotonic()
    try:
        infos = socket.getaddrinfo(name, 80, socket.AF_UNSPEC, socket.SOCK_STREAM)
        ips = sorted({i[4][0] for i in infos})
        print("%s ok %s ms=%d" % (name, ",".join(ips), (time.monotonic() - t0) * 1000), flush=True)
    except socket.gaierror as e:
        codes = {v: k for k, v in vars(socket).items() if k.startswith("EAI_")}
        print("%s error=%s ms=%d" % (name, codes.get(e.errno, e.errno), (time.monotonic() - t0) * 1000), flush=True)
