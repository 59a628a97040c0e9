#!/usr/bin/python3
"""dnsq.py [--tcp|--tfo] [--unconnected] [--server ADDR] [--port P] [--type T] NAME...

Asks SERVER (default 127.0.0.53) port P (default 53) for each NAME and prints one line per name:
NAME rcode=... id=... ips=... from=ADDR:PORT. --unconnected uses sendto/recvfrom on an
unconnected UDP socket and prints the address the answer came from; --tfo sends the query over
TCP with sendto(MSG_FASTOPEN), no connect() call."""
import socket
import sys

import dnslib

args = sys.argv[1:]
tcp = tfo = unconnected = False
server, port, qtype = "127.0.0.53", 53, "A"
names = []
while args:
    a = args.pop(0)
    if a == "--tcp":
        tcp = True
    elif a == "--tfo":
        tfo = True
    elif a == "--port":
        port = int(args.pop(0))
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
    if tfo:
        import struct
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.sendto(struct.pack("!H", len(q)) + q, socket.MSG_FASTOPEN, (server, port))  # blocking: connects
            s.settimeout(5)
            head = dnslib._recv_exact(s, 2)
            reply = dnslib._recv_exact(s, struct.unpack("!H", head)[0])
            print(dnslib.describe(name, reply, s.getpeername()[:2]), flush=True)
    elif tcp:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect((server, port))
            print(dnslib.describe(name, dnslib.tcp_exchange(s, q), s.getpeername()[:2]), flush=True)
    else:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            if unconnected:
                s.sendto(q, (server, port))
                reply, peer = s.recvfrom(65535)
            else:
                s.connect((server, port))
                s.send(q)
                reply, peer = s.recv(65535), s.getpeername()
            print(dnslib.describe(name, reply, peer[:2]), flush=True)
