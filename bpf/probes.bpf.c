// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probes.bpf.c - one tiny program per kernel feature cordon's object needs, for `cordon doctor`.
 *
 * Each is loaded alone (every other program's autoload off): the kernel's verifier, not a version
 * number, says whether this kernel has the attach type or lets the program type call the helper.
 * Distribution kernels backport BPF features, so a version proves nothing either way. The names
 * are the contract with dev.cordon.doctor.KernelFeatures, which says what each one is for and the
 * first mainline kernel that has it. Nothing here is ever attached.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "exe_path.bpf.h"

#ifndef SOL_TCP
#define SOL_TCP 6
#endif
#ifndef TCP_USER_TIMEOUT
#define TCP_USER_TIMEOUT 18
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} probe_events SEC(".maps");

/* The event header's helpers, and events through the ring buffer, from connect4 (5.7, 5.8). */
SEC("cgroup/connect4")
int probe_connect_context(struct bpf_sock_addr *ctx)
{
	char comm[16];
	__u64 *e;

	bpf_get_current_comm(comm, sizeof(comm));
	e = bpf_ringbuf_reserve(&probe_events, sizeof(*e), 0);
	if (e) {
		*e = bpf_get_current_pid_tgid() ^ bpf_get_current_cgroup_id() ^ bpf_get_socket_cookie(ctx) ^ comm[0];
		bpf_ringbuf_submit(e, 0);
	}
	return 1;
}

/* recvmsg restores a DNS answer's source (5.2). */
SEC("cgroup/recvmsg4")
int probe_recvmsg(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* getpeername shows a redirected socket's original DNS server (5.8). */
SEC("cgroup/getpeername4")
int probe_getpeername(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* Raw sockets refused, and a ping socket's owner recorded by cookie at creation (5.7). */
SEC("cgroup/sock_create")
int probe_sock_create_owner(struct bpf_sock *sk)
{
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	return (bpf_get_socket_cookie(sk) ^ bpf_get_current_pid_tgid() ^ comm[0]) != 1;
}

/*
 * The egress hook sees the sending socket (5.1) and names its sender: the current task (base
 * helpers with CAP_PERFMON) and the socket's cgroup (5.8). ICMP from ping sockets is judged there.
 */
SEC("cgroup_skb/egress")
int probe_egress_socket(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	__u64 task;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1;
	task = (__u64)bpf_get_current_task();
	return (task ^ bpf_sk_cgroup_id(sk)) != 0 && sk->type == 2 && sk->protocol == 1 ? 1 : 0;
}

/* --simulate-outage: packets dropped without an error (egress return 2, 5.3). */
SEC("cgroup_skb/egress")
int probe_egress_drop_quietly(struct __sk_buff *skb)
{
	return 2;
}

/* --simulate-outage: a TCP connect capped with TCP_USER_TIMEOUT (bpf_setsockopt in connect, 5.8; the option 5.9). */
SEC("cgroup/connect4")
int probe_connect_setsockopt(struct bpf_sock_addr *ctx)
{
	int timeout = 1000;

	bpf_setsockopt(ctx, SOL_TCP, TCP_USER_TIMEOUT, &timeout, sizeof(timeout));
	return 1;
}

/* --simulate-outage: the wait ends when the socket is released (5.9). */
SEC("cgroup/sock_release")
int probe_sock_release(struct bpf_sock *sk)
{
	return 1;
}

/* A failed exec's file name, read at the syscall's exit (5.5; libbpf falls back to bpf_probe_read_str). */
SEC("raw_tp/sys_exit")
int probe_sys_exit_read_user(struct bpf_raw_tracepoint_args *ctx)
{
	char name[32];

	return bpf_probe_read_user_str(name, sizeof(name), (const void *)ctx->args[1]) < 0;
}

/* Script lines: a uprobe on bash reads the shell's memory, told which binary by its attach cookie (5.15). */
SEC("uprobe")
int probe_uprobe_script_line(void *ctx)
{
	char buf[8];

	return bpf_probe_read_user(buf, sizeof(buf), (const void *)bpf_get_attach_cookie(ctx)) == 0;
}

/*
 * The file an exec ran, named by walking its path as the session's exec program does: CO-RE reads
 * of bprm, dentries and mounts, and a global function (5.6) called in a bounded loop (5.3).
 */
SEC("raw_tp/sched_process_exec")
int probe_exec_file_path(struct bpf_raw_tracepoint_args *ctx)
{
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	struct exe_walk *w = walk_exe(BPF_CORE_READ(bprm, file));

	return w ? w->off & 1 : 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
