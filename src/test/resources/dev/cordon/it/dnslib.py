"""Just enough DNS for the tests: build a query, parse the header, question and A/AAAA answers."""
import socket
import struct

TYPES = {"A": 1, "AAAA": 28, "CNAME": 5, "TXT": 16, "HTTPS": 65}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def query(name, qtype="A", txid=0x1234, rd=True):
    header = struct.pack("!HHHHHH", txid, 0x0100 if rd else 0, 1, 0, 0, 0)
    qname = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".") if l) + b"\x00"
    return header + qname + struct.pack("!HH", TYPES[qtype], 1)


def _skip_name(msg, i):
    while True:
        n = msg[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += 1 + n


def parse(msg):
    """-> dict(id, qr, tc, rcode, ips)"""
    txid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    out = {"id": txid, "qr": bool(flags & 0x8000), "tc": bool(flags & 0x0200),
           "rcode": RCODES.get(flags & 0xF, str(flags & 0xF)), "ips": []}
    i = 12
    for _ in range(qd):
        i = _skip_name(msg, i) + 4
    for _ in range(an):
        i = _skip_name(msg, i)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[i:i + 10])
        i += 10
        rdata = msg[i:i + rdlen]
        i += rdlen
        if rtype == 1:
            out["ips"].append(socket.inet_ntop(socket.AF_INET, rdata))
        elif rtype == 28:
            out["ips"].append(socket.inet_ntop(socket.AF_INET6, rdata))
    return out


def describe(name, reply, peer=None):
    r = parse(reply)
    s = "%s rcode=%s id=%d ips=%s" % (name, r["rcode"], r["id"], ",".join(r["ips"]))
    if r["tc"]:
        s += " tc=1"
    if peer is not None:
        s += " from=%s:%d" % (peer[0], peer[1])
    return s


def tcp_exchange(sock, msg):
    sock.sendall(struct.pack("!H", len(msg)) + msg)
    head = _recv_exact(sock, 2)
    return _recv_exact(sock, struct.unpack("!H", head)[0])


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf
