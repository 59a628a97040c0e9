package dev.cordon.doctor;

import java.util.Comparator;
import java.util.List;

/**
 * What cordon's kernel programs need, feature by feature: each need is a program in
 * {@code bpf/probes.bpf.c} that {@code cordon doctor} loads on its own, so this kernel's verifier
 * answers, whatever its version says (distributions backport BPF features). {@code since} is the
 * first mainline release with it, from the kernel's history (docs/KERNELS.md gives each source);
 * the README's table is checked against this one.
 */
public final class KernelFeatures {
    private KernelFeatures() {}

    /** @param probe the program's name in probes.bpf.c */
    public record Need(String probe, String what, KernelVersion since) {}

    /** @param required false: without it only this feature is unavailable, cordon run still works */
    public record Feature(String row, String name, boolean required, List<Need> needs) {
        public KernelVersion minimum() {
            return needs.stream().map(Need::since).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    private static Need need(String probe, String what, int major, int minor) {
        return new Need(probe, what, new KernelVersion(major, minor, 0));
    }

    public static final Feature RUN = new Feature("kernel: run", "cordon run", true, List.of(
            need("probe_connect_context", "events with pid, comm and cgroup from cgroup/connect4 through a ring buffer", 5, 8),
            need("probe_getpeername", "cgroup/getpeername4 (a redirected DNS socket shows its server)", 5, 8),
            need("probe_recvmsg", "cgroup/recvmsg4 (DNS answers keep their server's address)", 5, 2),
            need("probe_sock_create_owner", "cgroup/sock_create with socket cookie, pid and comm", 5, 7),
            need("probe_egress_socket", "cgroup_skb/egress sees the sending socket, its task and cgroup (ICMP from ping sockets)", 5, 8),
            need("probe_sys_exit_read_user", "raw_tp/sys_exit reads the caller's memory (failed execs)", 5, 5),
            need("probe_exec_file_path", "raw_tp/sched_process_exec walks the path of the file an exec ran "
                    + "(a global BPF function in a bounded loop)", 5, 6)));

    public static final Feature OUTAGE = new Feature("kernel: outage", "--simulate-outage", false, List.of(
            need("probe_egress_drop_quietly", "cgroup_skb/egress drops a packet as congestion, not as an error", 5, 3),
            need("probe_connect_setsockopt", "bpf_setsockopt from cgroup/connect4 (TCP_USER_TIMEOUT caps the wait)", 5, 9),
            need("probe_sock_release", "cgroup/sock_release (when a waiting socket gives up)", 5, 9)));

    /**
     * Names in the first bytes of TCP connections (TLS SNI, HTTP Host): without it a session runs,
     * says loudly that it does not check them, and a blocked name sent to an allowed address passes.
     */
    public static final Feature FIRST_BYTES = new Feature("kernel: first bytes", "the first-bytes check", false, List.of(
            need("probe_sockops_sockhash", "sock_ops puts established connections into a sockhash, with socket storage and RTT callbacks", 5, 8),
            need("probe_sk_msg_loop", "sk_msg reads a send with bpf_loop, holds it (cork) and names its sender", 5, 17),
            need("probe_connect_tcp_sock", "cgroup/connect4 reads the TCP socket (TCP Fast Open) and its socket storage", 5, 10)));


    public static final Feature SCRIPT_LINES = new Feature("kernel: script lines", "script lines", false, List.of(
            need("probe_uprobe_script_line", "a uprobe reading the probed process's memory, told which binary by its attach cookie",
                    5, 15)));

    public static final List<Feature> ALL = List.of(RUN, OUTAGE, SCRIPT_LINES, FIRST_BYTES);
}
