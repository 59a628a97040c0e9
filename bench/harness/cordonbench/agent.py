"""Runs inside a cgroup (plain or cordon's) and executes the harness's commands there.

One long-lived agent per variant means cordon loads its policy once, not once per measurement,
and every measured process starts inside the cgroup like any child of a guarded command.
Protocol: one JSON object per line. Request {"argv": [...], "timeout": s} or {"exit": true};
answer {"rc", "stdout", "stderr"}. The first line written is {"ready": true}.
"""
import json
import subprocess
import sys


def main(req_path, resp_path):
    with open(req_path, "r") as req, open(resp_path, "w") as resp:
        resp.write(json.dumps({"ready": True}) + "\n")
        resp.flush()
        for line in req:
            msg = json.loads(line)
            if msg.get("exit"):
                return 0
            try:
                p = subprocess.run(msg["argv"], capture_output=True, text=True, timeout=msg.get("timeout", 60))
                out = {"rc": p.returncode, "stdout": p.stdout, "stderr": p.stderr[-4000:]}
            except subprocess.TimeoutExpired:
                out = {"rc": -1, "stdout": "", "stderr": "timed out"}
            except OSError as e:
                out = {"rc": -2, "stdout": "", "stderr": str(e)}
            resp.write(json.dumps(out) + "\n")
            resp.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
