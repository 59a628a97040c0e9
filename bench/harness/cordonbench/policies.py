"""Rule sets of a given size: CIDR /32s in 10.0.0.0/8 and names under scale.test, never contacted."""
import os


def cidrs(n):
    return [f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}/32" for i in range(n)]


def domains(n):
    return [f"d{i}.scale.test" for i in range(n)]


def cidr_flags(n):
    return [f"--deny-cidr={c}" for c in cidrs(n)]


def domain_flags(n):
    # An allowlist, not a blocklist: a denied name is resolved at start (to catch its IPs), which
    # would measure n upstream queries instead of the policy load.
    return ["--default=deny"] + [f"--allow={d}" for d in domains(n)]


def write_policy(workdir, kind, n):
    """A policy file with n deny CIDRs (kind 'cidr') or n allowed domains (kind 'domain')."""
    path = os.path.join(workdir, f"policy-{kind}-{n}.yaml")
    if os.path.exists(path):
        return path
    with open(path, "w") as f:
        f.write(f"version: 1\nmode: enforce\ndefault: {'allow' if kind == 'cidr' else 'deny'}\n")
        if kind == "cidr":
            f.write("deny:\n  cidrs:\n")
            f.writelines(f"    - {c}\n" for c in cidrs(n))
        else:
            f.write("allow:\n  domains:\n")
            f.writelines(f"    - {d}\n" for d in domains(n))
    return path


def nft_set_body(n, cgroup_rel, extra=()):
    """nft table body: an interval set of the same n prefixes, dropped for one cgroup v2 path."""
    elems = ", ".join(list(cidrs(n)) + list(extra))
    return f"""  set deny4 {{ type ipv4_addr; flags interval; elements = {{ {elems} }} }}
  chain out {{ type filter hook output priority 0; policy accept;
    socket cgroupv2 level 1 "{cgroup_rel}" ip daddr @deny4 drop
  }}"""
