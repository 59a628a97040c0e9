#!/usr/bin/python3
"""firstbytes.py: the first bytes of TCP connections, sent from inside a cordon session.

  tls HOST PORT NAME [--version 1.2|1.3] [--split N] [--records N] [--ech]
      A real TLS handshake (Python's ssl over memory BIOs) to HOST:PORT with server_name NAME, then
      GET /. The ClientHello can be sent in two sends (--split N: the first N bytes, a pause, the
      rest), cut into two TLS records at byte N of its handshake message (--records N), or carry an
      encrypted_client_hello extension the server ignores (--ech).
  http HOST PORT REQUEST [--split N]
      REQUEST (with \\r \\n escapes) as the first bytes, in one send or two.
  table HOST PORT NAME...
      For each name a connection sending "GET / HTTP/1.1\\r\\nHost: NAME\\r\\n\\r\\n".
  fastopen HOST PORT
      sendto(MSG_FASTOPEN): a TCP Fast Open connect carrying the first bytes.

Prints one line per send ("send 1 ok 5 bytes", "send 2 errno=EACCES ms=0"), then "reply ..." with the
start of what the server answered, or for table one line per name ("NAME ok" / "NAME errno=EACCES").
Exit status 0 whatever happened: the test reads the lines.
"""
import errno
import socket
import ssl
import sys
import time

PAUSE = 0.3


def connect(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect((host, port))
    return s


def name_of(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def send_all(s, parts):
    """Sends each part in its own send; False at the first that fails (printed)."""
    for i, part in enumerate(parts, 1):
        if i > 1:
            time.sleep(PAUSE)
        t0 = time.monotonic()
        try:
            s.sendall(part)
            print("send %d ok %d bytes" % (i, len(part)), flush=True)
        except OSError as e:
            print("send %d errno=%s ms=%d" % (i, name_of(e), (time.monotonic() - t0) * 1000), flush=True)
            return False
    return True


def with_extension(record, ext_type, body):
    """The ClientHello record with one more extension at the end of its list (lengths fixed up)."""
    r = bytearray(record)
    off = 9 + 2 + 32
    off += 1 + r[off]                                # session id
    off += 2 + int.from_bytes(r[off:off + 2], "big")  # cipher suites
    off += 1 + r[off]                                # compression methods
    ext_len = int.from_bytes(r[off:off + 2], "big")
    ext = ext_type.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body
    r[off:off + 2] = (ext_len + len(ext)).to_bytes(2, "big")
    r += ext
    r[6:9] = (int.from_bytes(r[6:9], "big") + len(ext)).to_bytes(3, "big")
    r[3:5] = (int.from_bytes(r[3:5], "big") + len(ext)).to_bytes(2, "big")
    return bytes(r)


def in_records(record, cut):
    """The handshake message of one record cut into two records at byte cut."""
    hs = record[5:]
    head = record[:3]
    return head + cut.to_bytes(2, "big") + hs[:cut] + head + (len(hs) - cut).to_bytes(2, "big") + hs[cut:]


def tls(host, port, name, version=None, split=None, records=None, ech=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if version == "1.2":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif version == "1.3":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=name)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    if ech:
        hello = with_extension(hello, 0xfe0d, b"\x00" * 32)
    if records:
        hello = in_records(hello, records)
    parts = [hello[:split], hello[split:]] if split else [hello]
    s = connect(host, port)
    if not send_all(s, parts):
        return
    try:
        while True:  # the rest of the handshake, then one request
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                out = outgoing.read()
                if out:
                    s.sendall(out)
                data = s.recv(65536)
                if not data:
                    print("reply closed during the handshake", flush=True)
                    return
                incoming.write(data)
        out = outgoing.read()
        if out:
            s.sendall(out)
        tls.write(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % name).encode())
        s.sendall(outgoing.read())
        reply = b""
        while True:
            try:
                reply += tls.read(65536)
            except ssl.SSLWantReadError:
                data = s.recv(65536)
                if not data:
                    break
                incoming.write(data)
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                break
        print("reply %s %s" % (tls.version(), reply.decode(errors="replace").split("\r\n\r\n", 1)[-1].strip()), flush=True)
    except OSError as e:
        print("error %s %s" % (name_of(e) if e.errno else "", e), flush=True)


def http(host, port, request, split=None):
    data = request.encode().decode("unicode_escape").encode("latin-1")
    parts = [data[:split], data[split:]] if split else [data]
    s = connect(host, port)
    if not send_all(s, parts):
        return
    try:
        print("reply %s" % s.recv(4096).decode(errors="replace").split("\r\n", 1)[0], flush=True)
    except OSError as e:
        print("error %s" % name_of(e), flush=True)


def table(host, port, names):
    for name in names:
        s = connect(host, port)
        try:
            s.sendall(("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % name).encode())
            s.recv(4096)
            print("%s ok" % name, flush=True)
        except OSError as e:
            print("%s errno=%s" % (name, name_of(e)), flush=True)
        finally:
            s.close()


def fastopen(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)  # blocking: a timeout would make the implicit connect non-blocking
    try:
        s.sendto(b"GET / HTTP/1.0\r\nHost: fastopen.test\r\n\r\n", socket.MSG_FASTOPEN, (host, port))
        print("fastopen ok %s" % s.recv(4096).decode(errors="replace").split("\r\n", 1)[0], flush=True)
    except OSError as e:
        print("fastopen errno=%s" % name_of(e), flush=True)


def option(args, flag, convert=str):
    if flag in args:
        i = args.index(flag)
        value = convert(args[i + 1])
        del args[i:i + 2]
        return value
    return None


def main():
    args = sys.argv[1:]
    cmd, host, port = args[0], args[1], int(args[2])
    rest = args[3:]
    if cmd == "tls":
        version = option(rest, "--version")
        split = option(rest, "--split", int)
        records = option(rest, "--records", int)
        ech = "--ech" in rest
        tls(host, port, rest[0], version, split, records, ech)
    elif cmd == "http":
        split = option(rest, "--split", int)
        http(host, port, rest[0], split)
    elif cmd == "table":
        table(host, port, rest)
    elif cmd == "fastopen":
        fastopen(host, port)
    else:
        sys.exit("unknown command " + cmd)


main()
