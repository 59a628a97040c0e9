"""Everything the bench creates, and its removal: netns, veth, nft tables, cgroups, processes.

Each creation registers its undo on one stack; World.close() runs them last-first and is called
from a finally block and on SIGINT/SIGTERM, so a failing case leaves nothing behind.
"""
import os
import signal
import subprocess
import time

NETNS_HOST = "172.30.77.1"   # our side of the veth pair
NETNS_PEER = "172.30.77.2"   # inside the namespace the bench creates


def sh(*argv, check=True, input=None, timeout=60):
    p = subprocess.run(list(argv), capture_output=True, text=True, input=input, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])}: exit {p.returncode}: {p.stderr.strip()[:500]}")
    return p


def cgroup2_root():
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2 and parts[2] == "cgroup2":
                return parts[1]
    raise RuntimeError("no cgroup2 filesystem mounted")


def wait_until(cond, seconds, what):
    """Polls cond() until true or the deadline; raises naming what did not happen."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise RuntimeError(f"timed out after {seconds}s waiting for {what}")


class World:
    def __init__(self, tag):
        self.tag = tag
        self.undo = []
        self.procs = []
        self.cg_root = cgroup2_root()
        self.netns = None

    def on_close(self, fn, what):
        self.undo.append((fn, what))

    def close(self):
        errors = []
        while self.undo:
            fn, what = self.undo.pop()
            try:
                fn()
            except Exception as e:  # keep undoing the rest; report at the end
                errors.append(f"{what}: {e}")
        return errors

    # ---- processes

    def spawn(self, argv, log_path, netns=None, **kw):
        if netns:
            argv = ["ip", "netns", "exec", netns] + list(argv)
        log = open(log_path, "ab")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, **kw)
        log.close()
        self.on_close(lambda: stop_process(p), f"process {argv[0]} ({p.pid})")
        return p

    # ---- network namespace and veth

    def make_netns(self):
        ns = f"cordonbench-{self.tag}"
        host_if, peer_if = f"cbh{self.tag}"[:15], f"cbp{self.tag}"[:15]
        sh("ip", "netns", "add", ns)
        self.on_close(lambda: sh("ip", "netns", "del", ns, check=False), f"netns {ns}")
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", peer_if)
        self.on_close(lambda: sh("ip", "link", "del", host_if, check=False), f"veth {host_if}")
        sh("ip", "link", "set", peer_if, "netns", ns)
        sh("ip", "addr", "add", f"{NETNS_HOST}/30", "dev", host_if)
        sh("ip", "link", "set", host_if, "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{NETNS_PEER}/30", "dev", peer_if)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", peer_if, "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        self.netns = ns
        return ns

    # ---- cgroups

    def make_cgroup(self, name):
        path = os.path.join(self.cg_root, f"cordon-bench-{name}-{self.tag}")
        os.mkdir(path)
        self.on_close(lambda: remove_cgroup(path), f"cgroup {path}")
        return path

    # ---- nftables

    def nft_table(self, name, body):
        """Creates table inet NAME from body (the table's contents); returns a function deleting it."""
        full = f"cordonbench_{name}_{self.tag}"
        sh("nft", "-f", "-", input=f"table inet {full} {{\n{body}\n}}\n", timeout=120)
        done = []

        def delete():
            if not done:
                done.append(1)
                sh("nft", "delete", "table", "inet", full, check=False)
        self.on_close(delete, f"nft table {full}")
        return delete


def stop_process(p, grace=3.0):
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        p.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(grace)


def remove_cgroup(path):
    if not os.path.isdir(path):
        return
    try:
        with open(os.path.join(path, "cgroup.kill"), "w") as f:
            f.write("1")
    except OSError:
        pass

    def empty():
        with open(os.path.join(path, "cgroup.procs")) as f:
            return not f.read().strip()
    wait_until(empty, 5, f"{path} to empty")
    os.rmdir(path)
