"""The DNS servers of the bench, all on loopback: one authoritative server (unbound answering a
local zone, so it never needs the internet) and the forwarders compared with cordon's proxy,
each forwarding only to that server."""
import os
import socket

from .world import sh, wait_until

ZONE = "bench.test"
ANSWER = "192.0.2.1"  # TEST-NET-1: a name's answer, never contacted


def free_port():
    """A port free on 127.0.0.1 for both UDP and TCP (bound, read, released)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue
    raise RuntimeError("no free loopback port")


def answers(port, name=f"probe.{ZONE}"):
    """Whether a DNS server on 127.0.0.1:port answers an A query (dig, one try, 1 s)."""
    p = sh("dig", "+short", "+tries=1", "+time=1", "-p", str(port), "@127.0.0.1", name, "A", check=False)
    return p.returncode == 0 and p.stdout.strip() != ""


def unbound_conf(workdir, name, port, body):
    path = os.path.join(workdir, f"{name}.conf")
    with open(path, "w") as f:
        f.write(f"""server:
  interface: 127.0.0.1@{port}
  port: {port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{workdir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  num-threads: 1
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
{body}
remote-control:
  control-enable: no
""")
    sh("unbound-checkconf", path)
    return path


def start_auth(world, workdir):
    """unbound serving bench.test (every name below it: a redirect zone) on loopback."""
    port = free_port()
    conf = unbound_conf(workdir, "auth", port, f"""  local-zone: "{ZONE}." redirect
  local-data: "{ZONE}. 300 IN A {ANSWER}"
  local-zone: "blocked.{ZONE}." redirect
  local-data: "blocked.{ZONE}. 300 IN A 192.0.2.2\"""")
    world.spawn(["unbound", "-d", "-c", conf], os.path.join(workdir, "auth.log"))
    wait_until(lambda: answers(port), 15, f"unbound (authoritative) on 127.0.0.1:{port}")
    return port


def start_unbound_forwarder(world, workdir, upstream):
    port = free_port()
    # test. is special-use: unbound answers it NXDOMAIN itself unless told to forward it too.
    conf = unbound_conf(workdir, "unbound-fwd", port, f"""  do-not-query-localhost: no
  qname-minimisation: no
  local-zone: "test." nodefault
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@{upstream}""")
    world.spawn(["unbound", "-d", "-c", conf], os.path.join(workdir, "unbound-fwd.log"))
    wait_until(lambda: answers(port), 15, f"unbound forwarder on 127.0.0.1:{port}")
    return port


def start_dnsmasq_forwarder(world, workdir, upstream):
    """dnsmasq as a user would run it as a caching forwarder (its defaults, except where to listen)."""
    port = free_port()
    world.spawn(["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-poll", "--user=root",
                 f"--server=127.0.0.1#{upstream}", "--listen-address=127.0.0.1", "--bind-interfaces",
                 f"--port={port}", "--pid-file=", "--log-facility=-"], os.path.join(workdir, "dnsmasq-fwd.log"))
    wait_until(lambda: answers(port), 15, f"dnsmasq forwarder on 127.0.0.1:{port}")
    return port
