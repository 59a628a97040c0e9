#!/usr/bin/env python3
"""Network client the kernel tests run inside a cordon session.

    netclient.py [--ready FILE] [--go FILE] [--go-timeout S] SPEC...
    SPEC = tcp:HOST:PORT | udp:HOST:PORT | udp-connected:HOST:PORT
         | icmp:HOST | icmp-connected:HOST | icmp-connected-sendto:PEER,HOST

tcp: connect() and send a line. udp: sendto() on an unconnected socket.
udp-connected: connect() then send(). An IPv6 HOST (it contains ':') uses an AF_INET6 socket,
so ::ffff:a.b.c.d arrives at the kernel's v6 hooks as a mapped address.
icmp: an ICMP (ICMPv6 for an IPv6 HOST) echo request through a ping socket (SOCK_DGRAM,
IPPROTO_ICMP/ICMPV6; net.ipv4.ping_group_range must let the caller's group open one) with sendto();
icmp-connected: connect() then send(); icmp-connected-sendto: connect() to PEER, then sendto() HOST
on the same socket (op=socket errno=13 when the range lets no one open one). After an echo was sent, one more line says whether its reply came back
(within 1 s): REPLY spec=SPEC got=yes|no.

Prints "PID n", "CGROUP path" and "CGROUPID inode" first, then per SPEC one line:
    RESULT spec=SPEC op=connect|sendto|send errno=N elapsed_us=N strerror=TEXT
errno 0 means success. With --ready/--go it creates FILE --ready after starting and waits (bounded)
for --go to exist (at most --go-timeout seconds, default 30) before the first attempt, so tests can
make sessions overlap for real.
Exit status: 0 if every attempt succeeded, else the errno of the first failure (EPERM = 1).
"""
import errno
import os
import socket
import struct
import sys
import time

GO_TIMEOUT_S = 30


ECHO_REQUEST = {socket.AF_INET: 8, socket.AF_INET6: 128}
ECHO_REPLY = {socket.AF_INET: 0, socket.AF_INET6: 129}


def echo(spec, proto, rest):
    peer, _, host = rest.partition(",") if proto == "icmp-connected-sendto" else (rest, "", rest)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # type, code, checksum, id, sequence: the kernel fills in the checksum and the id of a ping socket
    request = struct.pack("!BBHHH", ECHO_REQUEST[family], 0, 0, 0, 1) + ("hello from %d\n" % os.getpid()).encode()
    op = "socket"
    start = time.monotonic_ns()
    err = 0
    s = None
    try:
        s = socket.socket(family, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6 if family == socket.AF_INET6 else socket.IPPROTO_ICMP)
        s.settimeout(1)
        op = "connect"
        if proto == "icmp":
            op = "sendto"
            s.sendto(request, (host, 0))
        else:
            s.connect((peer, 0))
            op = "send"
            if proto == "icmp-connected":
                s.send(request)
            else:
                op = "sendto"
                s.sendto(request, (host, 0))
    except OSError as e:
        err = e.errno if e.errno is not None else -1
    elapsed_us = (time.monotonic_ns() - start) // 1000
    print("RESULT spec=%s op=%s errno=%d elapsed_us=%d strerror=%s"
          % (spec, op, err, elapsed_us, os.strerror(err) if err > 0 else "-"), flush=True)
    if not err:
        got = "no"
        try:
            reply = s.recv(2048)
            got = "yes" if reply and reply[0] == ECHO_REPLY[family] else "no"
        except (socket.timeout, OSError):
            pass
        print("REPLY spec=%s got=%s" % (spec, got), flush=True)
    if s is not None:
        s.close()
    return err


def attempt(spec):
    proto, rest = spec.split(":", 1)
    if proto.startswith("icmp"):
        return echo(spec, proto, rest)
    host, port = rest.rsplit(":", 1)
    port = int(port)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    payload = ("hello from %d\n" % os.getpid()).encode()
    s = socket.socket(family, kind)
    s.settimeout(5)
    op = "connect"
    start = time.monotonic_ns()
    err = 0
    try:
        if proto == "tcp":
            s.connect((host, port))
            op = "send"
            s.sendall(payload)
        elif proto == "udp":
            op = "sendto"
            s.sendto(payload, (host, port))
        elif proto == "udp-connected":
            s.connect((host, port))
            op = "send"
            s.send(payload)
        else:
            raise SystemExit("unknown protocol in " + spec)
    except socket.timeout:
        err = errno.ETIMEDOUT
    except OSError as e:
        err = e.errno if e.errno is not None else -1
    elapsed_us = (time.monotonic_ns() - start) // 1000
    s.close()
    print("RESULT spec=%s op=%s errno=%d elapsed_us=%d strerror=%s"
          % (spec, op, err, elapsed_us, os.strerror(err) if err > 0 else "-"), flush=True)
    return err


def main(argv):
    ready = go = None
    go_timeout = GO_TIMEOUT_S
    specs = []
    i = 0
    while i < len(argv):
        if argv[i] in ("--ready", "--go", "--go-timeout"):
            if argv[i] == "--ready":
                ready = argv[i + 1]
            elif argv[i] == "--go":
                go = argv[i + 1]
            else:
                go_timeout = int(argv[i + 1])
            i += 2
        else:
            specs.append(argv[i])
            i += 1
    print("PID %d" % os.getpid(), flush=True)
    cgroup = None
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                cgroup = line.strip()[3:]
                print("CGROUP " + cgroup, flush=True)
    # cordon runs the command in its own cgroup namespace (CGROUP is "/"): the cgroup's inode, the
    # id bpf_get_current_cgroup_id() reports, tells sessions apart. The last cgroup2 mount is the one
    # cordon made for the command; an earlier one may be hidden under it (a pure-v2 layout over hybrid).
    with open("/proc/self/mountinfo") as f:
        points = [fl[4] for fl in (line.split() for line in f) if fl[fl.index("-") + 1] == "cgroup2"]
    for point in reversed(points):
        if cgroup is not None and os.path.exists(point + cgroup):
            print("CGROUPID %d" % os.stat(point + cgroup).st_ino, flush=True)
            break
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ready + ".tmp", ready)
    if go:
        deadline = time.monotonic() + go_timeout
        while not os.path.exists(go):
            if time.monotonic() > deadline:
                print("netclient: %s did not appear within %ds" % (go, go_timeout), file=sys.stderr, flush=True)
                return 124
            time.sleep(0.005)
    status = 0
    for spec in specs:
        err = attempt(spec)
        if err and not status:
            status = err if 0 < err < 256 else 255
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
