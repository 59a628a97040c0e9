"""A stand-in for systemd-resolved's varlink service (io.systemd.Resolve), as glibc's resolve NSS
module talks to it: NUL-terminated JSON messages on a Unix socket. Every name resolves to ADDRESS,
so a test can tell an answer that came this way from one that came through DNS.
usage: fake_resolved.py SOCKET_PATH ADDRESS READY_FILE"""
import ipaddress, json, os, socket, sys, threading

path, address, ready = sys.argv[1], ipaddress.ip_address(sys.argv[2]), sys.argv[3]


def reply(method, params):
    if method == "io.systemd.Resolve.ResolveHostname":
        family = 2 if address.version == 4 else 10
        if params.get("family", 0) not in (0, family):
            return {"error": "io.systemd.Resolve.NoSuchResourceRecord", "parameters": {}}
        return {"parameters": {"addresses": [{"ifindex": 1, "family": family, "address": list(address.packed)}],
                               "name": params.get("name", ""), "flags": 0}}
    return {"error": "org.varlink.service.MethodNotFound", "parameters": {"method": method}}


def serve(conn):
    buf = b""
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                req = json.loads(msg)
                with open(ready + ".log", "a") as log:
                    log.write(json.dumps(req) + "\n")
                if req.get("oneway"):
                    continue
                conn.sendall(json.dumps(reply(req.get("method"), req.get("parameters", {}))).encode() + b"\0")


os.makedirs(os.path.dirname(path), exist_ok=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
with open(ready, "w") as f:
    f.write("%d\n" % os.getpid())
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
