#!/usr/bin/python3
"""garbage.py: sends malformed packets to the resolver (127.0.0.53:53, i.e. cordon's proxy) over
UDP and TCP, then good queries. Prints what came back for each: "udp N -> RCODE id=X" or
"udp N -> none", "tcp N -> ...", then "good-udp ..." and "good-tcp ..." lines (dnsq format)."""
import os
import random
import socket
import struct

import dnslib

SERVER = ("127.0.0.53", 53)
good = dnslib.query("ok.internal", "A", 0x7777)
response = bytearray(dnslib.query("ok.internal", "A", 0x6666))
response[2] |= 0x80  # QR: a response sent as a query
rnd = random.Random(7)
junk = [
    b"",
    b"\x00",
    b"\x12\x34\x01",
    b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00",                      # QDCOUNT=1, no question
    good[:-3],                                                                # question cut short
    b"\x11\x11\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01",  # name points at itself
    b"\x22\x22\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3f" + b"a" * 10,       # label runs past the end
    b"\x33\x33\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",                      # no question at all
    bytes(response),
    bytes([0x44, 0x44, 0x01]) + bytes(rnd.getrandbits(8) for _ in range(500)),
    bytes(rnd.getrandbits(8) for _ in range(1400)),
]

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(SERVER)
for n, j in enumerate(junk):
    u.settimeout(0.3)
    u.send(j)
    try:
        r = dnslib.parse(u.recv(65535))
        print("udp %d -> %s id=%d" % (n, r["rcode"], r["id"]), flush=True)
    except socket.timeout:
        print("udp %d -> none" % n, flush=True)
u.settimeout(5)
u.send(good)
print("good-udp " + dnslib.describe("ok.internal", u.recv(65535)), flush=True)

tcp_junk = [
    struct.pack("!H", 5) + b"\x01\x02\x03\x04\x05",
    struct.pack("!H", 0),
    struct.pack("!H", 300) + b"\x00" * 10,  # promises 300 bytes, sends 10, closes
    struct.pack("!H", len(junk[5])) + junk[5],
]
for n, j in enumerate(tcp_junk):
    with socket.create_connection(SERVER, timeout=2) as t:
        t.sendall(j)
        t.shutdown(socket.SHUT_WR)
        try:
            head = t.recv(2)
            if len(head) < 2:
                print("tcp %d -> closed" % n, flush=True)
            else:
                r = dnslib.parse(dnslib._recv_exact(t, struct.unpack("!H", head)[0]))
                print("tcp %d -> %s id=%d" % (n, r["rcode"], r["id"]), flush=True)
        except (socket.timeout, ConnectionError) as e:
            print("tcp %d -> %s" % (n, type(e).__name__), flush=True)
with socket.create_connection(SERVER, timeout=5) as t:
    print("good-tcp " + dnslib.describe("ok.internal", dnslib.tcp_exchange(t, good)), flush=True)
