#!/usr/bin/python3
"""dnsq.py [--tcp] [--unconnected] [--server ADDR] [--type T] NAME...

Asks SERVER (default 127.0.0.53) port 53 for each NAME and prints one line per name:
NAME rcode=... id=... ips=...[ from=ADDR:PORT]. --unconnected uses sendto/recvfrom on an
unconnected UDP socket and prints the address the answer came from."""
import socket
import sys

import dnslib

args = sys.argv[1:]
tcp = unconnected = False
server, qtype = "127.0.0.53", "A"
names = []
while args:
    a = args.pop(0)
    if a == "--tcp":
        tcp = True
    elif a == "--unconnected":
        unconnected = True
    elif a == "--server":
        server = args.pop(0)
    elif a == "--type":
        qtype = args.pop(0)
    else:
        names.append(a)

family = socket.AF_INET6 if ":" in server else socket.AF_INET
for n, name in enumerate(names):
    q = dnslib.query(name, qtype, txid=0x2000 + n)
    if tcp:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect((server, 53))
            print(dnslib.describe(name, dnslib.tcp_exchange(s, q), s.getpeername()[:2]), flush=True)
    else:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            if unconnected:
                s.sendto(q, (server, 53))
                reply, peer = s.recvfrom(65535)
            else:
                s.connect((server, 53))
                s.send(q)
                reply, peer = s.recv(65535), s.getpeername()
            print(dnslib.describe(name, reply, peer[:2]), flush=True)
