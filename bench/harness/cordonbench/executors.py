"""Where a measured command runs: bare, in an empty cgroup, or under a long-lived cordon session.

Agents (agent.py) stay up for the whole bench, so cordon's start and policy load are paid once and
rounds can alternate between variants (A B A B ...) at the granularity of one measurement.
"""
import glob
import json
import os
import select
import subprocess
import sys
import time

from .world import remove_cgroup, stop_process, wait_until

AGENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent.py")
PYTHON = "/usr/bin/python3"


class Bare:
    name = "bare"

    def run(self, argv, timeout=60):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return -1, "", "timed out"


class Agent:
    """An agent process inside some cgroup, driven over two FIFOs."""

    def __init__(self, world, name, workdir):
        self.world, self.name = world, name
        self.req_path = os.path.join(workdir, f"{name}.req")
        self.resp_path = os.path.join(workdir, f"{name}.resp")
        self.log_path = os.path.join(workdir, f"{name}.log")
        for p in (self.req_path, self.resp_path):
            os.mkfifo(p)
        # O_RDWR: opening never blocks, whether or not the agent has come up yet.
        self.req = os.open(self.req_path, os.O_RDWR)
        self.resp = os.open(self.resp_path, os.O_RDWR)
        self.buf = b""
        self.proc = None

    def start(self, argv, ready_timeout):
        self.proc = self.world.spawn(argv, self.log_path)
        self.world.on_close(self.stop, f"agent {self.name}")
        msg = self._read(ready_timeout)
        if not msg.get("ready"):
            raise RuntimeError(f"agent {self.name} did not start: {msg}")
        return self

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"agent {self.name}: no answer in {timeout}s; log {self.log_path}: {tail(self.log_path)}")
            if self.proc.poll() is not None:
                raise RuntimeError(f"agent {self.name} exited ({self.proc.returncode}); log {self.log_path}: {tail(self.log_path)}")
            r, _, _ = select.select([self.resp], [], [], min(left, 0.5))
            if r:
                self.buf += os.read(self.resp, 1 << 20)
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def run(self, argv, timeout=60):
        os.write(self.req, (json.dumps({"argv": list(argv), "timeout": timeout}) + "\n").encode())
        msg = self._read(timeout + 10)
        return msg["rc"], msg["stdout"], msg["stderr"]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.write(self.req, b'{"exit": true}\n')
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                stop_process(self.proc)
        for fd in (self.req, self.resp):
            try:
                os.close(fd)
            except OSError:
                pass
        self.req = self.resp = -1


def cgroup_agent(world, name, workdir):
    """An agent in a fresh, empty cgroup; .cgroup is its path."""
    path = world.make_cgroup(name)
    a = Agent(world, name, workdir)
    # The shim enters the cgroup before it execs the agent: nothing of the agent runs outside.
    shim = f'echo $$ > "{path}/cgroup.procs" && exec "$0" "$@"'
    a.start(["/bin/sh", "-c", shim, PYTHON, AGENT, a.req_path, a.resp_path], ready_timeout=20)
    a.cgroup = path
    return a


def cordon_agent(world, name, workdir, cordon, cordon_args):
    """An agent as the command of `cordon run CORDON_ARGS -- agent`; call wait_ready() before use."""
    a = Agent(world, name, workdir)
    argv = [cordon, "run", "--no-summary"] + list(cordon_args) + ["--", PYTHON, AGENT, a.req_path, a.resp_path]
    world.on_close(lambda: cleanup_cordon_leftovers(world, a), f"cordon leftovers of {name}")
    # Long rule lists go on the command line (policy files check slowly at 10k+ rules, see
    # BENCHMARKS.md); the raised stack limit lets the kernel accept a few MB of arguments.
    a.proc = world.spawn(argv, a.log_path, preexec_fn=raise_stack_limit)
    world.on_close(a.stop, f"agent {name}")
    return a


def wait_ready(agent, timeout):
    msg = agent._read(timeout)
    if not msg.get("ready"):
        raise RuntimeError(f"agent {agent.name} did not start: {msg}")
    return agent


def raise_stack_limit():
    import resource
    resource.setrlimit(resource.RLIMIT_STACK, (64 << 20, 64 << 20))


def cleanup_cordon_leftovers(world, agent):
    """A cordon killed with SIGKILL leaves its cgroup (a known gap): remove cordon-<pid>-*."""
    if agent.proc is None:
        return
    for path in glob.glob(os.path.join(world.cg_root, f"cordon-{agent.proc.pid}-*")):
        remove_cgroup(path)


def tail(path, n=600):
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - n))
            return f.read().decode(errors="replace").replace("\n", " | ")
    except OSError:
        return ""


def vm_status(pid):
    """VmRSS and VmHWM of a process in MB, from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024
    return out
