// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cordon.bpf.c - egress policy for one session's cgroup.
 *
 * connect4/6 and sendmsg4/6 decide every inet destination from two LPM tries.
 * Both are needed: connect misses unconnected UDP (sendto), sendmsg misses
 * connected sockets. A v6 socket aimed at ::ffff:a.b.c.d is judged as a.b.c.d.
 * The exec raw tracepoint (needs no tracefs) captures argv while the process still exists, so a
 * short-lived curl is still named by its command line.
 *
 * cgroup/sock_addr return values: 1 lets the syscall go on, 0 fails it with EPERM.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "cordon.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* Minimal CO-RE views of kernel structs: libbpf relocates the offsets against the running kernel's BTF. */
struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
} __attribute__((preserve_access_index));

struct task_struct {
	struct mm_struct *mm;
	struct task_struct *real_parent;
	int tgid;
} __attribute__((preserve_access_index));

/* Load-time constant: report every attempt, not only blocked/audited ones (--events). */
const volatile __u8 report_all = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cordon_config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_lpm_v4);
	__type(value, struct cordon_rule);
} rules_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_lpm_v6);
	__type(value, struct cordon_rule);
} rules_v6 SEC(".maps");

/* The session's cgroup, so the exec tracepoint (which sees every exec on the host) keeps only ours. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} session_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events that found the ring buffer full. Dropped, never waited for: the hook must not block. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped_events SEC(".maps");

/* Referenced so the contract types are in the object's BTF for the layout check. */
struct cordon_net_event *const unused_net_event __attribute__((unused));
struct cordon_exec_event *const unused_exec_event __attribute__((unused));
const enum cordon_mode unused_mode __attribute__((unused)) = 0;
const enum cordon_action unused_action __attribute__((unused)) = 0;
const enum cordon_verdict unused_verdict __attribute__((unused)) = 0;
const enum cordon_event_kind unused_kind __attribute__((unused)) = 0;
const enum cordon_rule_special unused_rule_special __attribute__((unused)) = 0;

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&dropped_events, &zero);

	if (n)
		*n += 1;
}

static __always_inline void fill_header(struct cordon_event_header *h, __u32 kind)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->tgid = id >> 32;
	h->pid = (__u32)id;
	h->_pad = 0;
	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * A destination as four 32-bit words in network order (IPv4: w[0] only). Words, not a byte
 * array with memcpy: clang 14's BPF backend dropped some of those byte stores into the event.
 */
struct destination {
	__u32 w[4];
	__u16 family;   /* the socket's family */
	__u8 mapped_v4; /* v6 socket, ::ffff:a.b.c.d destination */
	__u8 is_v4;     /* judged by the v4 trie */
};

static __always_inline int decide(struct bpf_sock_addr *ctx, __u32 kind, struct destination *d)
{
	__u32 zero = 0;
	struct cordon_config *cfg = bpf_map_lookup_elem(&config, &zero);
	struct cordon_rule *rule;
	__u32 action, rule_id, verdict;

	if (!cfg)
		return 0; /* cannot happen for an array map; fail closed if it ever does */

	if (d->is_v4) {
		struct cordon_lpm_v4 key = { .prefixlen = 32 };

		*(__u32 *)key.addr = d->w[0];
		rule = bpf_map_lookup_elem(&rules_v4, &key);
	} else {
		struct cordon_lpm_v6 key = { .prefixlen = 128 };
		__u32 *a = (__u32 *)key.addr;

		a[0] = d->w[0];
		a[1] = d->w[1];
		a[2] = d->w[2];
		a[3] = d->w[3];
		rule = bpf_map_lookup_elem(&rules_v6, &key);
	}
	if (rule) {
		action = rule->action;
		rule_id = rule->rule_id;
	} else {
		action = cfg->default_action;
		rule_id = CORDON_RULE_DEFAULT;
	}

	if (action == CORDON_ACTION_ALLOW)
		verdict = CORDON_VERDICT_ALLOWED;
	else if (cfg->mode == CORDON_MODE_AUDIT)
		verdict = CORDON_VERDICT_AUDITED;
	else
		verdict = CORDON_VERDICT_BLOCKED;

	if (verdict != CORDON_VERDICT_ALLOWED || report_all) {
		struct cordon_net_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

		if (e) {
			__u32 *a = (__u32 *)e->addr;

			fill_header(&e->hdr, kind);
			e->verdict = verdict;
			e->rule_id = rule_id;
			e->family = d->family;
			e->protocol = ctx->protocol;
			e->port = bpf_ntohs(ctx->user_port);
			e->mapped_v4 = d->mapped_v4;
			e->_pad = 0;
			a[0] = d->w[0];
			a[1] = d->w[1];
			a[2] = d->w[2];
			a[3] = d->w[3];
			bpf_ringbuf_submit(e, 0);
		} else {
			count_drop();
		}
	}
	return verdict == CORDON_VERDICT_BLOCKED ? 0 : 1;
}

static __always_inline int decide_v4(struct bpf_sock_addr *ctx, __u32 kind)
{
	struct destination d = {};

	/*
	 * ctx->family is the socket's. AF_INET6 here: a v6 socket aimed at a v4 destination, which the
	 * kernel hands to the v4 hook (UDP sendto ::ffff:a.b.c.d, or a sockaddr_in): report it as mapped.
	 */
	d.family = ctx->family;
	d.mapped_v4 = ctx->family == AF_INET6;
	d.is_v4 = 1;
	d.w[0] = ctx->user_ip4;
	return decide(ctx, kind, &d);
}

static __always_inline int decide_v6(struct bpf_sock_addr *ctx, __u32 kind)
{
	struct destination d = {};

	d.family = AF_INET6;
	d.w[0] = ctx->user_ip6[0];
	d.w[1] = ctx->user_ip6[1];
	d.w[2] = ctx->user_ip6[2];
	d.w[3] = ctx->user_ip6[3];
	if (d.w[0] == 0 && d.w[1] == 0 && d.w[2] == bpf_htonl(0x0000ffff)) {
		/* IPv4-mapped: the packet will leave as IPv4, so IPv4 rules apply. */
		d.mapped_v4 = 1;
		d.is_v4 = 1;
		d.w[0] = d.w[3];
		d.w[1] = d.w[2] = d.w[3] = 0;
	}
	return decide(ctx, kind, &d);
}

SEC("cgroup/connect4")
int cordon_connect4(struct bpf_sock_addr *ctx)
{
	return decide_v4(ctx, CORDON_EVENT_CONNECT);
}

SEC("cgroup/connect6")
int cordon_connect6(struct bpf_sock_addr *ctx)
{
	return decide_v6(ctx, CORDON_EVENT_CONNECT);
}

SEC("cgroup/sendmsg4")
int cordon_sendmsg4(struct bpf_sock_addr *ctx)
{
	return decide_v4(ctx, CORDON_EVENT_SENDMSG);
}

SEC("cgroup/sendmsg6")
int cordon_sendmsg6(struct bpf_sock_addr *ctx)
{
	return decide_v6(ctx, CORDON_EVENT_SENDMSG);
}

SEC("raw_tp/sched_process_exec")
int cordon_exec(void *ctx)
{
	struct task_struct *task;
	struct cordon_exec_event *e;
	unsigned long start, end, len;

	if (bpf_current_task_under_cgroup(&session_cgroup, 0) != 1)
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_header(&e->hdr, CORDON_EVENT_EXEC);
	task = (struct task_struct *)bpf_get_current_task();
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > CORDON_ARGS_LEN)
		len = CORDON_ARGS_LEN;
	e->args_len = 0;
	if (len > 0 && bpf_probe_read_user(e->args, len, (const void *)start) == 0)
		e->args_len = len;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
