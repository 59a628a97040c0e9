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
#include <bpf/bpf_core_read.h>
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

/* ---- the first-bytes check (bpf/first_bytes.bpf.h): sock_ops, a sockhash, sk_msg ---- */

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u64);
} probe_sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} probe_state SEC(".maps");

/* An established connection enters a sockhash, asks for RTT callbacks, and leaves again (5.10: bpf_sock_ops.sk, sk storage). */
SEC("sockops")
int probe_sockops_sockhash(struct bpf_sock_ops *ops)
{
	__u64 cookie = bpf_get_socket_cookie(ops);
	struct bpf_sock *sk = ops->sk;
	__u32 *st;

	if (!sk)
		return 1;
	st = bpf_sk_storage_get(&probe_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (st && *st == 0 && bpf_sock_hash_update(ops, &probe_sockets, &cookie, BPF_NOEXIST) == 0)
		bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_RTT_CB_FLAG);
	else
		bpf_map_delete_elem(&probe_sockets, &cookie);
	return 1;
}

struct probe_scan {
	struct sk_msg_md *msg;
	__u32 seen;
};

/* bpf_loop's step reads the message through the context it is handed. */
static long probe_step(__u32 i, struct probe_scan *s)
{
	__u8 *p = (__u8 *)(long)s->msg->data + (i & 0xff);

	if ((void *)(p + 1) > (void *)(long)s->msg->data_end)
		return 1;
	s->seen += *p;
	return 0;
}

/* A send judged from its bytes: pulled, held, scanned with bpf_loop (5.17), its sender named (5.8), an event. */
SEC("sk_msg")
int probe_sk_msg_loop(struct sk_msg_md *msg)
{
	struct probe_scan s = { .msg = msg };
	__u32 *st = bpf_sk_storage_get(&probe_state, msg->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	__u64 *e;

	bpf_msg_pull_data(msg, 0, 16, 0);
	bpf_loop(16, probe_step, &s, 0);
	if (s.seen == 0)
		bpf_msg_cork_bytes(msg, 16);
	e = bpf_ringbuf_reserve(&probe_events, sizeof(*e), 0);
	if (e) {
		*e = bpf_get_current_pid_tgid() ^ bpf_get_current_cgroup_id() ^ (__u64)bpf_get_current_task();
		bpf_ringbuf_submit(e, 0);
	}
	return st && *st ? SK_DROP : SK_PASS;
}

struct tcp_sock___probe {
	void *fastopen_req;
} __attribute__((preserve_access_index));

/* connect4 reads the TCP socket (bpf_skc_to_tcp_sock, 5.10: TCP Fast Open) and keeps per-socket storage. */
SEC("cgroup/connect4")
int probe_connect_tcp_sock(struct bpf_sock_addr *ctx)
{
	struct tcp_sock___probe *tp;
	struct bpf_sock *sk = ctx->sk;
	__u32 *st;

	if (!sk)
		return 1;
	tp = (struct tcp_sock___probe *)bpf_skc_to_tcp_sock(sk);
	st = bpf_sk_storage_get(&probe_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (st)
		*st = tp && tp->fastopen_req;
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
