// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cordon.bpf.c - egress policy for one session's cgroup.
 *
 * connect4/6 and sendmsg4/6 decide every inet destination from two LPM tries.
 * Both are needed: connect misses unconnected UDP (sendto), sendmsg misses
 * connected sockets. A v6 socket aimed at ::ffff:a.b.c.d is judged as a.b.c.d.
 * The exec raw tracepoint (needs no tracefs) captures argv while the process still exists, so a
 * short-lived curl is still named by its command line, and the path of the file the kernel ran
 * (exe_path.bpf.h), so a forged argv[0] or a symlink's name cannot hide which program it was.
 *
 * DNS: every query of the session goes to cordon's proxy on loopback. connect/sendmsg rewrite
 * port-53 destinations (and cordon's upstreams) to the proxy and remember the original per
 * socket cookie; recvmsg/getpeername put the original back so strict resolvers accept answers.
 * cgroup_skb/egress maps (client source port, transaction id) to the sending process, before
 * the query can reach the proxy, so every query is attributed even if its sender exits at once.
 * It also judges ICMP echo from ping sockets, which no sendmsg hook sees.
 *
 * cgroup/sock_addr return values: 1 lets the syscall go on, 0 fails it with EPERM.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "cordon.h"
#include "exe_path.bpf.h"

#ifndef SOCK_DGRAM
#define SOCK_DGRAM 2 /* linux/net.h enum sock_type; not in the uapi headers we include */
#endif
#ifndef SOCK_RAW
#define SOCK_RAW 3
#endif
#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_PACKET
#define AF_PACKET 17
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* Minimal CO-RE views of kernel structs: libbpf relocates the offsets against the running kernel's BTF. */
struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
} __attribute__((preserve_access_index));

struct signal_struct {
	struct {
		int counter;
	} live; /* atomic_t: threads of the process still running */
} __attribute__((preserve_access_index));

struct task_struct {
	struct mm_struct *mm;
	struct task_struct *real_parent;
	struct signal_struct *signal;
	int pid;
	int tgid;
	int exit_code;
	char comm[CORDON_COMM_LEN];
} __attribute__((preserve_access_index));

#ifndef SOL_TCP
#define SOL_TCP 6
#endif
#ifndef TCP_USER_TIMEOUT
#define TCP_USER_TIMEOUT 18
#endif
#ifndef EPERM
#define EPERM 1
#endif
#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif
#define TCP_ESTABLISHED 1 /* sk_state of a connected datagram socket too */

/* Load-time constants. */
const volatile __u8 report_all = 0;  /* report every attempt, not only blocked/audited ones (--events) */
const volatile __u16 proxy_port = 0; /* cordon's DNS proxy on 127.0.0.1 and ::1; 0: no DNS redirect */
const volatile __u8 allow_raw = 0;   /* --allow-raw-sockets: let raw inet sockets be created in enforce mode */
const volatile __u8 outage_style = 0; /* enum cordon_outage_style; NONE: no --simulate-outage, no per-packet work */
const volatile __u32 outage_wait_ms = 0; /* cap on a TCP connect to an outage address (TCP_USER_TIMEOUT) */
/*
 * Outage style refuse: loopback ports cordon holds bound and never listens on (host order; 0: none).
 * A refused connect is sent there, and the RST makes it fail with ECONNREFUSED, as a dead host's
 * would (non-blocking: EINPROGRESS, then ECONNREFUSED). bpf_set_retval would say it directly, but
 * cgroup connect hooks may call it only from Linux 6.1 (bed89185af0d); this works wherever connect
 * can be rewritten, as the DNS redirect already does.
 */
const volatile __u16 refuse_port4 = 0; /* on 127.0.0.1 */
/*
 * --egress-rate: the session's outbound bytes per second (0: no cap, and the verifier removes the
 * code, so an uncapped session pays nothing per packet), the most credit the bucket holds, and how
 * far into debt it may go (packets then pass with congestion notified) before packets are dropped.
 */
const volatile __u64 egress_rate = 0;
const volatile __u64 egress_burst = 0;
const volatile __u64 egress_debt = 0;
const volatile __u16 refuse_port6 = 0; /* on ::1 */

/* decide() asks its caller to send a refused connect to the refuse port: only the caller may write the v4 or v6 fields. */
#define DECIDE_REFUSE 2

/*
 * The policy in two generations, so a reload (cordon guard's SIGHUP) never leaves a moment where
 * neither the old nor the new one applies: userspace fills the generation not in force (its config
 * entry and its two tries), then flips policy_generation with one 32-bit write. Each decision reads
 * the generation once and takes config and tries from it. Rule ids carry their generation
 * (CORDON_RULE_GENERATION_SHIFT), so an event is named by the rules that decided it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} policy_generation SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CORDON_POLICY_GENERATIONS);
	__type(key, __u32);
	__type(value, struct cordon_config);
} config SEC(".maps");

#define RULES_V4(name)                                   \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);     \
		__uint(max_entries, 262144);             \
		__uint(map_flags, BPF_F_NO_PREALLOC);    \
		__type(key, struct cordon_lpm_v4);       \
		__type(value, struct cordon_rule);       \
	} name SEC(".maps")
#define RULES_V6(name)                                   \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);     \
		__uint(max_entries, 262144);             \
		__uint(map_flags, BPF_F_NO_PREALLOC);    \
		__type(key, struct cordon_lpm_v6);       \
		__type(value, struct cordon_rule);       \
	} name SEC(".maps")
RULES_V4(rules_v4_0);
RULES_V4(rules_v4_1);
RULES_V6(rules_v6_0);
RULES_V6(rules_v6_1);

/*
 * The verdict epoch: userspace adds one after every change that can change a judgement (a policy
 * reload, an address learned or forgotten), after the change itself. A verdict cached with the epoch
 * read before judging is only reused while the epoch is unchanged, so it was judged on maps at least
 * as new as the last change. Starts at 1 (fill), so a fresh cache entry (epoch 0) never matches.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} verdict_epoch SEC(".maps");

/* The generation in force (0 or 1). */
static __always_inline __u32 current_generation(void)
{
	__u32 zero = 0, *g = bpf_map_lookup_elem(&policy_generation, &zero);

	return g ? *g & 1 : 0;
}

/* Addresses learned from DNS answers (exact match; checked after the CIDR tries).
 * Not preallocated: only userspace adds entries (the programs only look them up), and
 * preallocating 2 x CORDON_LEARNED_MAX entries cost ~9 ms of every session's start and their memory. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_LEARNED_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_ip4);
	__type(value, struct cordon_learned);
} learned_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CORDON_LEARNED_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cordon_ip6);
	__type(value, struct cordon_learned);
} learned_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct cordon_dns_server);
	__type(value, __u8);
} dns_servers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* socket cookie */
	__type(value, struct cordon_dns_orig);
} dns_orig SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* socket cookie */
	__type(value, struct cordon_dns_owner);
} dns_socket_owner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct cordon_dns_query_key);
	__type(value, struct cordon_dns_owner);
} dns_queries SEC(".maps");

/*
 * --egress-rate's token bucket (one entry): bytes the session may still send now (negative: in
 * debt) and when it was last filled. Only the programs use it, so it is not part of cordon.h.
 */
struct rate_bucket {
	struct bpf_spin_lock lock;
	__u32 _pad;
	__s64 tokens;
	__u64 last_ns; /* bpf_ktime_get_ns() */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rate_bucket);
} egress_bucket SEC(".maps");

/* Sockets that made a simulated-outage attempt, by cookie: when it started, for the wait measured at release. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);   /* socket cookie */
	__type(value, __u64); /* bpf_ktime_get_ns() of the first outage attempt */
} outage_sockets SEC(".maps");

/*
 * Ping sockets whose connect() connect4/6 judged, by cookie: their echoes to that peer are not
 * judged again in egress. Kept rather than trusted from the socket's state because kernels before
 * 6.1 never ran connect4/6 for ping sockets (0ffe2412531e). An evicted entry only means a second
 * report. Small: an LRU map is preallocated, and few ping sockets are connected at once.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);  /* socket cookie */
	__type(value, __u8);
} ping_connected SEC(".maps");

#include "session_maps.bpf.h" /* session_cgroup, events, dropped_events: shared with script_lines.bpf.o */

/* Referenced so the contract types are in the object's BTF for the layout check. */
struct cordon_net_event *const unused_net_event __attribute__((unused));
struct cordon_exec_event *const unused_exec_event __attribute__((unused));
struct cordon_exit_event *const unused_exit_event __attribute__((unused));
struct cordon_outage_end_event *const unused_outage_end_event __attribute__((unused));
struct cordon_socket_event *const unused_socket_event __attribute__((unused));
struct cordon_exec_denied_event *const unused_exec_denied_event __attribute__((unused));
const enum cordon_outage_style unused_outage_style __attribute__((unused)) = 0;
const enum cordon_mode unused_mode __attribute__((unused)) = 0;
const enum cordon_action unused_action __attribute__((unused)) = 0;
const enum cordon_verdict unused_verdict __attribute__((unused)) = 0;
const enum cordon_event_kind unused_kind __attribute__((unused)) = 0;
const enum cordon_rule_special unused_rule_special __attribute__((unused)) = 0;
const enum cordon_dns_proto unused_dns_proto __attribute__((unused)) = 0;
const enum cordon_policy_layout unused_policy_layout __attribute__((unused)) = 0;
const enum cordon_table_size unused_table_size __attribute__((unused)) = 0;
const enum cordon_exe_flag unused_exe_flag __attribute__((unused)) = 0;

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
 * The sender of a packet as cgroup_skb sees it: the current task, which on a ping socket's send
 * path is the process in sendmsg. Read through bpf_get_current_task and CO-RE because that is in
 * every program type's base set (with CAP_PERFMON) since Linux 5.8 (John Fastabend, "bpf: extend
 * bpf_base_func_proto helpers with probe_* and *current_task*"), while cgroup_skb may call
 * bpf_get_current_pid_tgid only since 6.10 (eb166e522c77) and bpf_get_current_comm only on recent
 * kernels (6.18 here accepts it; ebpf-docs does not list it for cgroup_skb): using those would stop
 * the whole object loading on older kernels. The cgroup is the socket's: bpf_sk_cgroup_id, cgroup_skb
 * since 5.8 (f307fa2cb4c9).
 */
static __always_inline void fill_header_skb(struct cordon_event_header *h, __u32 kind, struct bpf_sock *sk)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	h->kind = kind;
	h->tgid = BPF_CORE_READ(task, tgid);
	h->pid = BPF_CORE_READ(task, pid);
	h->_pad = 0;
	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_sk_cgroup_id(sk);
	BPF_CORE_READ_STR_INTO(&h->comm, task, comm);
}

/*
 * A destination as four 32-bit words in network order (IPv4: w[0] only). Words, not a byte
 * array with memcpy: clang 14's BPF backend dropped some of those byte stores into the event.
 */
struct destination {
	__u32 w[4];
	__u16 port;     /* host order; 0 for ICMP */
	__u16 protocol; /* IPPROTO_* of the socket */
	__u16 family;   /* the socket's family */
	__u8 mapped_v4; /* v6 socket, ::ffff:a.b.c.d destination */
	__u8 is_v4;     /* judged by the v4 trie */
};

/* Reserves a net event and fills all but its header, which depends on the hook; NULL if the ring buffer is full. */
static __always_inline struct cordon_net_event *net_event(struct destination *d, __u32 verdict, __u32 rule_id,
							  __u64 cookie)
{
	struct cordon_net_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u32 *a;

	if (!e) {
		count_drop();
		return 0;
	}
	a = (__u32 *)e->addr;
	e->verdict = verdict;
	e->rule_id = rule_id;
	e->family = d->family;
	e->protocol = d->protocol;
	e->port = d->port;
	e->mapped_v4 = d->mapped_v4;
	e->_pad = 0;
	a[0] = d->w[0];
	a[1] = d->w[1];
	a[2] = d->w[2];
	a[3] = d->w[3];
	e->cookie = cookie;
	return e;
}

/* An attempt seen in the process that made it (sock_addr hooks). */
static __always_inline void emit_net(__u32 kind, struct destination *d, __u32 verdict, __u32 rule_id, __u64 cookie)
{
	struct cordon_net_event *e = net_event(d, verdict, rule_id, cookie);

	if (!e)
		return;
	fill_header(&e->hdr, kind);
	bpf_ringbuf_submit(e, 0);
}

/*
 * A destination a --simulate-outage name resolved to. It should look down, not firewalled: a TCP
 * connect is refused (style refuse) or let through while cgroup_skb/egress drops its packets, so
 * it hangs as against a dead host, capped by TCP_USER_TIMEOUT so the run still ends. The socket is
 * remembered so its release tells userspace how long the command waited.
 */
static __always_inline int outage(struct bpf_sock_addr *ctx, __u32 kind, struct destination *d)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	__u64 now = bpf_ktime_get_ns();

	if (outage_style == CORDON_OUTAGE_REFUSE && d->protocol == IPPROTO_TCP && kind == CORDON_EVENT_CONNECT) {
		emit_net(kind, d, CORDON_VERDICT_OUTAGE, CORDON_RULE_OUTAGE_REFUSED, cookie);
		return DECIDE_REFUSE;
	}
	if (d->protocol == IPPROTO_TCP && kind == CORDON_EVENT_CONNECT && outage_wait_ms) {
		int timeout = outage_wait_ms;

		bpf_setsockopt(ctx, SOL_TCP, TCP_USER_TIMEOUT, &timeout, sizeof(timeout));
	}
	bpf_map_update_elem(&outage_sockets, &cookie, &now, BPF_NOEXIST);
	emit_net(kind, d, CORDON_VERDICT_OUTAGE, CORDON_RULE_OUTAGE_DROPPED, cookie);
	return 1;
}

/* What a prefix's rule says about one destination port (host order): a bounded scan of its ranges. */
static __always_inline void port_decision(const struct cordon_rule *rule, __u16 port, __u32 *action, __u32 *rule_id)
{
	__u32 i;

	*action = rule->action;
	*rule_id = rule->rule_id;
	for (i = 0; i < CORDON_PORT_RANGES; i++) {
		if (i >= rule->nranges)
			break;
		if (port >= rule->ranges[i].lo && port <= rule->ranges[i].hi) {
			*action = rule->ranges[i].action;
			*rule_id = rule->ranges[i].rule_id;
			break;
		}
	}
}

/* What the policy says about one destination, whichever hook asks. */
struct judgement {
	__u32 verdict; /* enum cordon_verdict; OUTAGE: learned as down, the hook's outage path decides */
	__u32 rule_id;
};

/* The policy's answer for a destination and port. @return 0, or -1 without a config (the caller fails closed) */
static __always_inline int judge(struct destination *d, struct judgement *j)
{
	__u32 gen = current_generation();
	struct cordon_config *cfg = bpf_map_lookup_elem(&config, &gen);
	struct cordon_rule *rule;
	struct cordon_learned *learned;
	__u32 action;
	__u32 cidr_action = CORDON_ACTION_NONE, cidr_rule_id = CORDON_RULE_DEFAULT;
	int learned_allow = 0, learned_deny = 0, learned_outage = 0;

	if (!cfg)
		return -1; /* cannot happen for an array map */

	if (d->is_v4) {
		struct cordon_lpm_v4 key = { .prefixlen = 32 };

		*(__u32 *)key.addr = d->w[0];
		rule = gen ? bpf_map_lookup_elem(&rules_v4_1, &key) : bpf_map_lookup_elem(&rules_v4_0, &key);
	} else {
		struct cordon_lpm_v6 key = { .prefixlen = 128 };
		__u32 *a = (__u32 *)key.addr;

		a[0] = d->w[0];
		a[1] = d->w[1];
		a[2] = d->w[2];
		a[3] = d->w[3];
		rule = gen ? bpf_map_lookup_elem(&rules_v6_1, &key) : bpf_map_lookup_elem(&rules_v6_0, &key);
	}
	learned = d->is_v4 ? bpf_map_lookup_elem(&learned_v4, &d->w[0]) : bpf_map_lookup_elem(&learned_v6, d->w);
	if (learned) {
		__u64 now = bpf_ktime_get_ns();

		learned_allow = learned->allow_until_ns > now;
		learned_deny = learned->deny_until_ns > now;
		learned_outage = outage_style && learned->outage_until_ns > now;
	}

	if (rule)
		port_decision(rule, d->port, &cidr_action, &cidr_rule_id);

	/*
	 * Deny wins: an explicit CIDR deny, then an address only a blocked name resolved to.
	 * An address an allowed answer gave the command is allowed (a shared CDN address is
	 * reported with both names by userspace). A simulated outage comes before any allow, so a
	 * rehearsal works on loopback too. Then CIDR allows (loopback), then the default.
	 */
	if (cidr_action == CORDON_ACTION_DENY) {
		action = CORDON_ACTION_DENY;
		j->rule_id = cidr_rule_id;
	} else if (learned_deny && !learned_allow) {
		action = CORDON_ACTION_DENY;
		j->rule_id = CORDON_RULE_LEARNED;
	} else if (learned_outage) {
		j->verdict = CORDON_VERDICT_OUTAGE;
		j->rule_id = CORDON_RULE_OUTAGE_DROPPED;
		return 0;
	} else if (cidr_action != CORDON_ACTION_NONE) {
		action = cidr_action;
		j->rule_id = cidr_rule_id;
	} else if (learned_allow) {
		action = CORDON_ACTION_ALLOW;
		j->rule_id = CORDON_RULE_LEARNED;
	} else {
		action = cfg->default_action;
		j->rule_id = CORDON_RULE_DEFAULT;
	}

	if (action == CORDON_ACTION_ALLOW)
		j->verdict = CORDON_VERDICT_ALLOWED;
	else if (cfg->mode == CORDON_MODE_AUDIT)
		j->verdict = CORDON_VERDICT_AUDITED;
	else
		j->verdict = CORDON_VERDICT_BLOCKED;
	return 0;
}

/* A destination's words as three scalars, the way global functions take them (5.8 allows no pointer but the context). */
#define DEST_W01(d) ((__u64)(d)->w[0] | (__u64)(d)->w[1] << 32)
#define DEST_W23(d) ((__u64)(d)->w[2] | (__u64)(d)->w[3] << 32)
#define DEST_PORT_V4(d) ((__u64)(d)->port << 1 | (d)->is_v4)
#define JUDGE_FAILED (~0ULL)

/*
 * judge() as a global function: the verifier checks it once per program, on its own, and each
 * caller sees one result instead of walking every path through the policy again (connect4/6,
 * sendmsg4/6 and egress each did, about 5000 instructions apiece, most of the object's load time).
 * @return verdict << 32 | rule_id, or JUDGE_FAILED
 */
__attribute__((noinline)) __u64 cordon_judge(__u64 w01, __u64 w23, __u64 port_v4)
{
	struct destination d = {};
	struct judgement j = {};

	d.w[0] = (__u32)w01;
	d.w[1] = w01 >> 32;
	d.w[2] = (__u32)w23;
	d.w[3] = w23 >> 32;
	d.port = port_v4 >> 1;
	d.is_v4 = port_v4 & 1;
	if (judge(&d, &j))
		return JUDGE_FAILED;
	return (__u64)j.verdict << 32 | j.rule_id;
}

/* The policy's answer for a destination and port, through cordon_judge. @return 0, or -1 (the caller fails closed) */
static __always_inline int judge_once(const struct destination *d, struct judgement *j)
{
	__u64 r = cordon_judge(DEST_W01(d), DEST_W23(d), DEST_PORT_V4(d));

	if (r == JUDGE_FAILED)
		return -1;
	j->verdict = r >> 32;
	j->rule_id = (__u32)r;
	return 0;
}

static __always_inline int is_ping(__u32 type, __u32 protocol)
{
	return type == SOCK_DGRAM && (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6);
}

#include "first_bytes.bpf.h" /* names in a TCP connection's first bytes: sock_ops + sk_msg */

/*
 * connect4/6, sendmsg4/6: judge and report. 1 lets the call go on, 0 fails it with EPERM (blocked),
 * DECIDE_REFUSE asks the caller to send it to the refuse port (a simulated outage's refused connect).
 */
/*
 * The last allowed destination of an unconnected socket's sendmsg, so a program sending many
 * datagrams to one peer is judged once (the trie lookup is most of a decision's cost with 100k
 * rules). Only allowed verdicts are kept, and only without report_all: nothing is reported for
 * them, so a reused one changes nothing but the time. Freed with the socket.
 */
struct verdict_cache {
	__u64 epoch;    /* verdict_epoch when it was judged; 0: empty */
	__u64 until_ns; /* the allow holds until then (CLOCK_MONOTONIC), or for ever (~0) */
	__u32 w[4];     /* the destination as struct destination has it */
	__u16 port;
	__u8 is_v4;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct verdict_cache);
} sendmsg_verdicts SEC(".maps");

static __always_inline __u64 current_epoch(void)
{
	__u32 zero = 0;
	__u64 *e = bpf_map_lookup_elem(&verdict_epoch, &zero);

	return e ? *e : 0;
}

/*
 * 1 when this socket's last sendmsg was allowed to this destination (w01, w23: the destination's
 * words as struct destination has them; port_v4: port << 1 | is_v4) with nothing changed since.
 * A global function: the verifier checks it once, on its own, and the caller sees one result,
 * so judge() is not walked once per way the lookup can fail (it was, and cost 4700 more
 * instructions verified in each sendmsg program).
 */
__attribute__((noinline)) int cordon_cached_allow(struct bpf_sock_addr *ctx, __u64 epoch, __u64 w01, __u64 w23, __u64 port_v4)
{
	struct verdict_cache *c;

	if (!ctx->sk)
		return 0;
	c = bpf_sk_storage_get(&sendmsg_verdicts, ctx->sk, 0, 0);
	if (!c || !epoch)
		return 0;
	if ((c->epoch ^ epoch) | (((__u64)c->w[0] | (__u64)c->w[1] << 32) ^ w01) | (((__u64)c->w[2] | (__u64)c->w[3] << 32) ^ w23) |
	    (((__u64)c->port << 1 | c->is_v4) ^ port_v4))
		return 0;
	return c->until_ns == ~0ULL || bpf_ktime_get_ns() < c->until_ns;
}

static __always_inline int cached_allow(struct bpf_sock_addr *ctx, const struct destination *d, __u64 epoch)
{
	return cordon_cached_allow(ctx, epoch, DEST_W01(d), DEST_W23(d), DEST_PORT_V4(d));
}

/*
 * Remembers an allowed sendmsg for the next one (called last, on the way out). It holds until the
 * learned address's allow ends, the one time that can turn an allow into another judgement: a
 * learned deny or outage in force never yields an allow, except a deny with an allow beside it,
 * and one that has ended stays ended. (A learned entry changed since judge() read it bumped the
 * epoch after the change, so what is stored here never matches.)
 */
static __always_inline void cache_allow(struct bpf_sock_addr *ctx, const struct destination *d, __u64 epoch)
{
	struct verdict_cache *c;
	struct cordon_learned *learned;
	__u64 until;

	if (!epoch)
		return;
	c = bpf_sk_storage_get(&sendmsg_verdicts, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!c)
		return;
	learned = d->is_v4 ? bpf_map_lookup_elem(&learned_v4, &d->w[0]) : bpf_map_lookup_elem(&learned_v6, d->w);
	until = learned ? learned->allow_until_ns : 0;
	if (until && until <= bpf_ktime_get_ns())
		until = 0; /* an allow that has ended changes nothing any more */
	if (!until)
		until = ~0ULL;
	c->w[0] = d->w[0];
	c->w[1] = d->w[1];
	c->w[2] = d->w[2];
	c->w[3] = d->w[3];
	c->port = d->port;
	c->is_v4 = d->is_v4;
	c->until_ns = until;
	c->epoch = epoch;
}

/*
 * 1 when a sendmsg goes where this socket's last allowed one went, with nothing changed since:
 * checked before anything else, the DNS redirect's server lookup too (a redirected send is never
 * cached, and dns_servers is written once, before the programs attach). @epoch: what
 * cache_allow() stores with a new verdict (0: none is stored)
 */
static __always_inline int sendmsg_cached(struct bpf_sock_addr *ctx, __u32 kind, const struct destination *d, __u64 *epoch)
{
	*epoch = 0;
	if (kind != CORDON_EVENT_SENDMSG || report_all)
		return 0;
	*epoch = current_epoch(); /* before judging: a change after this read fails the next match */
	return cached_allow(ctx, d, *epoch);
}

/* The policy's decision for a connect or sendmsg not answered by sendmsg_cached() (@epoch: its). */
static __always_inline int decide(struct bpf_sock_addr *ctx, __u32 kind, struct destination *d, __u64 epoch)
{
	struct judgement j;

	if (judge_once(d, &j))
		return 0;
	if (j.verdict == CORDON_VERDICT_OUTAGE)
		return outage(ctx, kind, d);
	if (j.verdict == CORDON_VERDICT_ALLOWED && kind == CORDON_EVENT_CONNECT)
		first_bytes_connect(ctx, &j);
	if (j.verdict != CORDON_VERDICT_ALLOWED || report_all)
		emit_net(kind, d, j.verdict, j.rule_id, 0);
	if (j.verdict == CORDON_VERDICT_BLOCKED)
		return 0;
	if (kind == CORDON_EVENT_CONNECT && is_ping(ctx->type, ctx->protocol)) {
		__u64 cookie = bpf_get_socket_cookie(ctx);
		__u8 one = 1;

		bpf_map_update_elem(&ping_connected, &cookie, &one, BPF_ANY);
	}
	if (kind == CORDON_EVENT_SENDMSG && !report_all && j.verdict == CORDON_VERDICT_ALLOWED)
		cache_allow(ctx, d, epoch);
	return 1;
}

#define LOOPBACK_V4 0x7f000001

static __always_inline int is_dns_destination(struct bpf_sock_addr *ctx, struct destination *d)
{
	struct cordon_dns_server key = {};

	if (!proxy_port)
		return 0;
	if (ctx->protocol != IPPROTO_UDP && ctx->protocol != IPPROTO_TCP)
		return 0;
	if (ctx->user_port == bpf_htons(53))
		return 1;
	/* cordon's own upstreams, whatever their port: the command must not reach them directly. */
	key.port = ctx->user_port;
	key.family = d->is_v4 ? AF_INET : AF_INET6;
	*(__u32 *)&key.addr[0] = d->w[0];
	*(__u32 *)&key.addr[4] = d->w[1];
	*(__u32 *)&key.addr[8] = d->w[2];
	*(__u32 *)&key.addr[12] = d->w[3];
	return bpf_map_lookup_elem(&dns_servers, &key) != 0;
}

static __always_inline void remember_owner(__u64 cookie)
{
	struct cordon_dns_owner owner = {};
	__u64 id = bpf_get_current_pid_tgid();

	owner.tgid = id >> 32;
	owner.pid = (__u32)id;
	owner.ts_ns = bpf_ktime_get_ns();
	owner.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(owner.comm, sizeof(owner.comm));
	bpf_map_update_elem(&dns_socket_owner, &cookie, &owner, BPF_ANY);
}

/* Sends this socket's DNS to the proxy; remembers where it wanted to go and who asked. */
static __always_inline int redirect_v4(struct bpf_sock_addr *ctx)
{
	struct cordon_dns_orig orig = {};
	__u64 cookie = bpf_get_socket_cookie(ctx);

	*(__u32 *)&orig.addr[0] = ctx->user_ip4;
	orig.port = ctx->user_port;
	orig.family = AF_INET;
	bpf_map_update_elem(&dns_orig, &cookie, &orig, BPF_ANY);
	remember_owner(cookie);
	ctx->user_ip4 = bpf_htonl(LOOPBACK_V4);
	ctx->user_port = bpf_htons(proxy_port);
	return 1;
}

static __always_inline int redirect_v6(struct bpf_sock_addr *ctx, int mapped)
{
	struct cordon_dns_orig orig = {};
	__u64 cookie = bpf_get_socket_cookie(ctx);

	*(__u32 *)&orig.addr[0] = ctx->user_ip6[0];
	*(__u32 *)&orig.addr[4] = ctx->user_ip6[1];
	*(__u32 *)&orig.addr[8] = ctx->user_ip6[2];
	*(__u32 *)&orig.addr[12] = ctx->user_ip6[3];
	orig.port = ctx->user_port;
	orig.family = AF_INET6;
	bpf_map_update_elem(&dns_orig, &cookie, &orig, BPF_ANY);
	remember_owner(cookie);
	ctx->user_ip6[0] = 0;
	ctx->user_ip6[1] = 0;
	if (mapped) { /* ::ffff:127.0.0.1, so a dual-stack socket stays on IPv4 */
		ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
		ctx->user_ip6[3] = bpf_htonl(LOOPBACK_V4);
	} else { /* ::1 */
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
	}
	ctx->user_port = bpf_htons(proxy_port);
	return 1;
}

static __always_inline int decide_v4(struct bpf_sock_addr *ctx, __u32 kind)
{
	struct destination d = {};
	__u64 epoch;
	int rc;

	/*
	 * ctx->family is the socket's. AF_INET6 here: a v6 socket aimed at a v4 destination, which the
	 * kernel hands to the v4 hook (UDP sendto ::ffff:a.b.c.d, or a sockaddr_in): report it as mapped.
	 */
	d.family = ctx->family;
	d.protocol = ctx->protocol;
	d.port = bpf_ntohs(ctx->user_port);
	d.mapped_v4 = ctx->family == AF_INET6;
	d.is_v4 = 1;
	d.w[0] = ctx->user_ip4;
	if (sendmsg_cached(ctx, kind, &d, &epoch))
		return 1;
	if (is_dns_destination(ctx, &d))
		return redirect_v4(ctx);
	rc = decide(ctx, kind, &d, epoch);
	if (rc != DECIDE_REFUSE)
		return rc;
	if (!refuse_port4)
		return 0; /* no refuse port: EPERM, still at once */
	ctx->user_ip4 = bpf_htonl(LOOPBACK_V4);
	ctx->user_port = bpf_htons(refuse_port4);
	return 1;
}

static __always_inline int decide_v6(struct bpf_sock_addr *ctx, __u32 kind)
{
	struct destination d = {};
	__u64 epoch;
	__u16 port;
	int rc;

	d.family = AF_INET6;
	d.protocol = ctx->protocol;
	d.port = bpf_ntohs(ctx->user_port);
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
	if (sendmsg_cached(ctx, kind, &d, &epoch))
		return 1;
	if (is_dns_destination(ctx, &d))
		return redirect_v6(ctx, d.mapped_v4);
	rc = decide(ctx, kind, &d, epoch);
	if (rc != DECIDE_REFUSE)
		return rc;
	port = d.mapped_v4 ? refuse_port4 : refuse_port6;
	if (!port)
		return 0; /* no refuse port (IPv6 off on lo): EPERM, still at once */
	ctx->user_ip6[0] = 0;
	ctx->user_ip6[1] = 0;
	ctx->user_ip6[2] = d.mapped_v4 ? bpf_htonl(0x0000ffff) : 0;
	ctx->user_ip6[3] = d.mapped_v4 ? bpf_htonl(LOOPBACK_V4) : bpf_htonl(1);
	ctx->user_port = bpf_htons(port);
	return 1;
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

/* An answer (or peer) that is the proxy, on a socket we redirected: show the original server. */
static __always_inline int restore_v4(struct bpf_sock_addr *ctx)
{
	__u64 cookie;
	struct cordon_dns_orig *orig;

	if (!proxy_port || ctx->user_ip4 != bpf_htonl(LOOPBACK_V4) || ctx->user_port != bpf_htons(proxy_port))
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	orig = bpf_map_lookup_elem(&dns_orig, &cookie);
	if (orig && orig->family == AF_INET) {
		ctx->user_ip4 = *(__u32 *)&orig->addr[0];
		ctx->user_port = orig->port;
	}
	return 1;
}

static __always_inline int restore_v6(struct bpf_sock_addr *ctx)
{
	__u64 cookie;
	struct cordon_dns_orig *orig;
	__u32 w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];
	int is_proxy;

	if (!proxy_port || ctx->user_port != bpf_htons(proxy_port) || ctx->user_ip6[0] != 0 || ctx->user_ip6[1] != 0)
		return 1;
	is_proxy = (w2 == 0 && w3 == bpf_htonl(1)) || (w2 == bpf_htonl(0x0000ffff) && w3 == bpf_htonl(LOOPBACK_V4));
	if (!is_proxy)
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	orig = bpf_map_lookup_elem(&dns_orig, &cookie);
	if (orig && orig->family == AF_INET6) {
		ctx->user_ip6[0] = *(__u32 *)&orig->addr[0];
		ctx->user_ip6[1] = *(__u32 *)&orig->addr[4];
		ctx->user_ip6[2] = *(__u32 *)&orig->addr[8];
		ctx->user_ip6[3] = *(__u32 *)&orig->addr[12];
		ctx->user_port = orig->port;
	} else if (orig && orig->family == AF_INET && w2 == bpf_htonl(0x0000ffff)) {
		/*
		 * A v6 socket's sendto(::ffff:a.b.c.d) runs the sendmsg4 hook, not sendmsg6 (the kernel
		 * hands mapped destinations to udp_sendmsg), so the original was stored as IPv4; the
		 * answer reaches this socket as ::ffff:127.0.0.1 and must read ::ffff:a.b.c.d.
		 */
		ctx->user_ip6[3] = *(__u32 *)&orig->addr[0];
		ctx->user_port = orig->port;
	}
	return 1;
}

SEC("cgroup/recvmsg4")
int cordon_recvmsg4(struct bpf_sock_addr *ctx)
{
	return restore_v4(ctx);
}

SEC("cgroup/recvmsg6")
int cordon_recvmsg6(struct bpf_sock_addr *ctx)
{
	return restore_v6(ctx);
}

SEC("cgroup/getpeername4")
int cordon_getpeername4(struct bpf_sock_addr *ctx)
{
	return restore_v4(ctx);
}

SEC("cgroup/getpeername6")
int cordon_getpeername6(struct bpf_sock_addr *ctx)
{
	return restore_v6(ctx);
}

/*
 * cgroup_skb/egress return values: 0 drops the packet and ip_finish_output/ip6_finish_output
 * return -EPERM; 1 sends it; 2 drops it but reports congestion rather than an error, so a UDP
 * sendto still succeeds and a TCP SYN is retransmitted, as toward a dead host.
 */
#define EGRESS_REFUSE 0
#define EGRESS_PASS 1
#define EGRESS_DROP_SILENTLY 2
#define EGRESS_PASS_CONGESTED 3 /* sends it, and TCP slows down as if a queue were filling (CWR) */

#define LOOPBACK_IFINDEX 1 /* in every network namespace */

/*
 * --egress-rate: one token bucket for all of the session's outbound traffic except loopback's
 * (it leaves no interface). Under the rate a packet passes; over it, by up to the bucket's depth,
 * it passes with congestion notified, so TCP backs off before anything is lost (as the kernel's
 * samples/bpf/hbm does); past that it is dropped, with congestion notified, and costs nothing.
 * Spin-locked: every CPU sending for the session shares the bucket.
 */
static __always_inline int rate_limited(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct rate_bucket *b = bpf_map_lookup_elem(&egress_bucket, &zero);
	__u64 now = bpf_ktime_get_ns(), elapsed;
	__s64 tokens;
	int verdict;

	if (!b)
		return EGRESS_PASS;
	bpf_spin_lock(&b->lock);
	elapsed = now - b->last_ns;
	if (elapsed > 1000000000ULL)
		elapsed = 1000000000ULL; /* a second of credit at most, and no overflow in the product */
	b->last_ns = now;
	tokens = b->tokens + (__s64)(elapsed * egress_rate / 1000000000ULL);
	if (tokens > (__s64)egress_burst)
		tokens = egress_burst;
	if (tokens - (__s64)skb->len > -(__s64)egress_debt) {
		tokens -= skb->len;
		verdict = tokens >= 0 ? EGRESS_PASS : EGRESS_PASS_CONGESTED;
	} else {
		verdict = EGRESS_DROP_SILENTLY; /* the bytes never leave: nothing to charge */
	}
	b->tokens = tokens;
	bpf_spin_unlock(&b->lock);
	return verdict;
}

/* Is this packet bound for an address a --simulate-outage name resolved to? */
static __always_inline int outage_destination(struct __sk_buff *skb)
{
	struct cordon_learned *l = 0;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		__u32 daddr;

		if (bpf_skb_load_bytes(skb, __builtin_offsetof(struct iphdr, daddr), &daddr, sizeof(daddr)))
			return 0;
		l = bpf_map_lookup_elem(&learned_v4, &daddr);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		__u32 daddr[4];

		if (bpf_skb_load_bytes(skb, __builtin_offsetof(struct ipv6hdr, daddr), daddr, sizeof(daddr)))
			return 0;
		l = bpf_map_lookup_elem(&learned_v6, daddr);
	}
	return l && l->outage_until_ns > bpf_ktime_get_ns();
}

/*
 * IPv4's protocol or IPv6's first next header (an extension header's number when there is one),
 * read in place: direct packet access (cgroup_skb since Linux 4.20, Song Liu's "bpf: add
 * cg_skb_is_valid_access for BPF_PROG_TYPE_CGROUP_SKB"; needs CAP_BPF or CAP_SYS_ADMIN) costs no
 * helper call, so TCP and UDP pay a few loads and two compares for the ping check. -1: not IP.
 * @offset where the transport header starts (IPv4's header length, or IPv6's fixed 40), when IP
 */
static __always_inline int transport(struct __sk_buff *skb, int *offset)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end)
			return -1;
		*offset = ip->ihl * 4;
		return ip->protocol;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end)
			return -1;
		*offset = sizeof(*ip6);
		return ip6->nexthdr;
	}
	return -1;
}

/* The packet's destination address, from its IP header. @return 0, or -1 if the header is not there */
static __always_inline int packet_destination(struct __sk_buff *skb, struct destination *d)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > end)
			return -1;
		d->is_v4 = 1;
		d->w[0] = ip->daddr;
		return 0;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > end)
			return -1;
		d->w[0] = ip6->daddr.in6_u.u6_addr32[0];
		d->w[1] = ip6->daddr.in6_u.u6_addr32[1];
		d->w[2] = ip6->daddr.in6_u.u6_addr32[2];
		d->w[3] = ip6->daddr.in6_u.u6_addr32[3];
		return 0;
	}
	return -1;
}

/* A connected socket sending to the peer connect4/6 judged, and reported, when it connected. */
static __always_inline int to_judged_peer(struct __sk_buff *skb, struct bpf_sock *sk, struct destination *d)
{
	__u64 cookie;
	int peer;

	if (sk->state != TCP_ESTABLISHED)
		return 0;
	if (d->is_v4)
		peer = sk->dst_ip4 == d->w[0];
	else
		peer = sk->dst_ip6[0] == d->w[0] && sk->dst_ip6[1] == d->w[1] && sk->dst_ip6[2] == d->w[2] &&
		       sk->dst_ip6[3] == d->w[3];
	if (!peer)
		return 0;
	cookie = bpf_get_socket_cookie(skb);
	return bpf_map_lookup_elem(&ping_connected, &cookie) != 0;
}

/*
 * ICMP and ICMPv6 echo from ping sockets (SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6, open to
 * every user where net.ipv4.ping_group_range allows it, systemd's default). The kernel runs no
 * sendmsg hook for them (connect4/6 do run, from ping_pre_connect, since Linux 6.1: 0ffe2412531e),
 * so each echo is judged here by the same policy as connect and sendmsg. One that goes to the peer
 * connect4/6 judged for its socket passes without a second report. The socket is
 * recognised by its type and protocol (bpf_sk_fullsock: cgroup_skb, Linux 5.1), not by the
 * packet's next header, which an IPv6 routing header option would hide.
 *
 * Refused is dropped with EGRESS_REFUSE: ip_finish_output returns -EPERM and a v4 ping socket's
 * sendto fails with it at once. ping_v6_sendmsg throws that error away (it ignores what
 * icmpv6_push_pending_frames returns, which ignores ip6_push_pending_frames; so on 6.18), so a
 * refused v6 echo never leaves but its sendto returns success: no hook can fail that call.
 */
static __always_inline int judge_ping(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct destination d = {};
	struct judgement j;
	struct cordon_net_event *e;

	if (!sk)
		return EGRESS_PASS;
	sk = bpf_sk_fullsock(sk);
	if (!sk || !is_ping(sk->type, sk->protocol))
		return EGRESS_PASS;
	if (packet_destination(skb, &d))
		return EGRESS_REFUSE; /* an IP packet without its IP header: cannot happen; never unjudged */
	if (to_judged_peer(skb, sk, &d))
		return EGRESS_PASS;
	d.family = sk->family;
	d.protocol = sk->protocol;
	if (judge_once(&d, &j))
		return EGRESS_REFUSE;
	if (j.verdict == CORDON_VERDICT_OUTAGE)
		return EGRESS_DROP_SILENTLY; /* learned as down since outage_destination() looked */
	if (j.verdict != CORDON_VERDICT_ALLOWED || report_all) {
		e = net_event(&d, j.verdict, j.rule_id, 0);
		if (e) {
			fill_header_skb(&e->hdr, CORDON_EVENT_SENDMSG, sk);
			bpf_ringbuf_submit(e, 0);
		}
	}
	return j.verdict == CORDON_VERDICT_BLOCKED ? EGRESS_REFUSE : EGRESS_PASS;
}

/*
 * Attribution of queries: a packet from a DNS socket (known by cookie) to the proxy records
 * (source port, txid) -> owner. Runs in the sender's egress path, before loopback delivery, so
 * the entry exists when the proxy reads the query. Never drops anything.
 */
static __always_inline int remember_dns_query(struct __sk_buff *skb, int proto, int l4)
{
	struct cordon_dns_query_key key = {};
	struct cordon_dns_owner *owner, rec;
	__u64 cookie;
	__u16 ports[2], txid;

	/* The port first: every other datagram and segment of the session leaves without a map lookup. */
	if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)))
		return EGRESS_PASS;
	if (ports[1] != bpf_htons(proxy_port))
		return EGRESS_PASS;
	cookie = bpf_get_socket_cookie(skb);
	owner = bpf_map_lookup_elem(&dns_socket_owner, &cookie);
	if (!owner)
		return EGRESS_PASS;
	key.sport = bpf_ntohs(ports[0]);
	key.proto = proto == IPPROTO_UDP ? CORDON_DNS_UDP : CORDON_DNS_TCP;
	if (proto == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, l4 + sizeof(struct udphdr), &txid, sizeof(txid)))
			return EGRESS_PASS;
		key.txid = bpf_ntohs(txid);
	}
	rec = *owner;
	rec.ts_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&dns_queries, &key, &rec, BPF_ANY);
	return EGRESS_PASS;
}

/* Outages first (they must look down, not refused), then ping sockets or DNS attribution, then --egress-rate. */
SEC("cgroup_skb/egress")
int cordon_egress(struct __sk_buff *skb)
{
	int proto, l4 = 0, verdict;

	if (outage_style && outage_destination(skb))
		return EGRESS_DROP_SILENTLY;
	proto = transport(skb, &l4);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		verdict = judge_ping(skb);
	else
		verdict = proxy_port ? remember_dns_query(skb, proto, l4) : EGRESS_PASS;
	if (verdict == EGRESS_PASS && egress_rate && skb->ifindex != LOOPBACK_IFINDEX)
		return rate_limited(skb);
	return verdict;
}

/*
 * A raw inet socket sends whatever it likes, past connect/sendmsg (a hand-made UDP packet to
 * port 53 of any server, ICMP): refused in enforce mode. Reported by cordon_sys_exit below, which
 * also sees the sockets refused before this hook runs (no CAP_NET_RAW).
 */
SEC("cgroup/sock_create")
int cordon_sock_create(struct bpf_sock *sk)
{
	__u32 gen;
	struct cordon_config *cfg;

	if (sk->type != SOCK_RAW)
		return 1;
	gen = current_generation();
	cfg = bpf_map_lookup_elem(&config, &gen);
	if (!cfg)
		return 0;
	return cfg->mode == CORDON_MODE_AUDIT || allow_raw ? 1 : 0;
}

/*
 * Registers saved at syscall entry, as raw_tp/sys_exit sees them (CO-RE: offsets from the running
 * kernel's BTF; the ___cordon suffix keeps these apart from any header's struct pt_regs).
 */
#if defined(__TARGET_ARCH_arm64)
struct pt_regs___cordon {
	unsigned long regs[31];
	unsigned long orig_x0; /* x0 is the return value by now */
	int syscallno;
} __attribute__((preserve_access_index));
#define CORDON_NR_SOCKET 198
#define CORDON_NR_EXECVE 221
#define CORDON_NR_EXECVEAT 281
#define SYSCALL_NR(r) BPF_CORE_READ(r, syscallno)
#define SYSCALL_ARG1(r) BPF_CORE_READ(r, orig_x0)
#define SYSCALL_ARG2(r) BPF_CORE_READ(r, regs[1])
#define SYSCALL_ARG3(r) BPF_CORE_READ(r, regs[2])
#define SYSCALL_ARG5(r) BPF_CORE_READ(r, regs[4])
#else /* x86_64 */
struct pt_regs___cordon {
	unsigned long r8;
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long orig_ax;
} __attribute__((preserve_access_index));
#define CORDON_NR_SOCKET 41
#define CORDON_NR_EXECVE 59
#define CORDON_NR_EXECVEAT 322
#define SYSCALL_NR(r) BPF_CORE_READ(r, orig_ax)
#define SYSCALL_ARG1(r) BPF_CORE_READ(r, di)
#define SYSCALL_ARG2(r) BPF_CORE_READ(r, si)
#define SYSCALL_ARG3(r) BPF_CORE_READ(r, dx)
#define SYSCALL_ARG5(r) BPF_CORE_READ(r, r8)
#endif
#define SOCK_TYPE_MASK 0xf /* socket()'s type without SOCK_NONBLOCK / SOCK_CLOEXEC */

/*
 * Every raw inet and packet socket a process of the session asks for, when socket() returns:
 * refused ones too, whoever refused them (the dropped CAP_NET_RAW fails them before any cgroup
 * hook runs). A packet socket is not inet, so no cgroup hook ever sees it, and its frames skip
 * cgroup_skb: it must never be created unseen. Not seen here, though still refused by the
 * missing capability: io_uring's IORING_OP_SOCKET and 32-bit (compat) socket calls.
 */
static __always_inline int report_socket(struct pt_regs___cordon *regs, int ret)
{
	struct cordon_socket_event *e;
	int family, type, protocol;

	family = (int)SYSCALL_ARG1(regs);
	type = (int)SYSCALL_ARG2(regs) & SOCK_TYPE_MASK;
	if (family != AF_PACKET && !(type == SOCK_RAW && (family == AF_INET || family == AF_INET6)))
		return 0;
	if (bpf_current_task_under_cgroup(&session_cgroup, 0) != 1)
		return 0;
	protocol = (int)SYSCALL_ARG3(regs);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_header(&e->hdr, CORDON_EVENT_SOCKET);
	e->verdict = ret < 0 ? CORDON_VERDICT_BLOCKED : CORDON_VERDICT_AUDITED;
	e->rule_id = family == AF_PACKET ? CORDON_RULE_PACKET_SOCKET : CORDON_RULE_RAW_SOCKET;
	e->family = family;
	e->type = type;
	e->protocol = protocol;
	e->ret = ret;
	e->_pad = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * An execve/execveat of the session that failed with EPERM, with the path it asked for. A binary
 * whose file capabilities are effective and permit one cordon dropped from the bounding set cannot
 * be exec'd at all (bprm_caps_from_vfs_caps: "insufficient to execute correctly"), and nothing
 * says why; userspace reads the file's capabilities and says it. The path is the caller's memory,
 * still mapped after a failed exec (bpf_probe_read_user_str: Linux 5.5, 6ae08ae3dea2); execveat's
 * is relative to dirfd, whose flags are kept too.
 */
static __always_inline int report_exec_denied(struct pt_regs___cordon *regs, long nr, int ret)
{
	struct cordon_exec_denied_event *e;
	const char *path;
	long n;

	if (bpf_current_task_under_cgroup(&session_cgroup, 0) != 1)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_header(&e->hdr, CORDON_EVENT_EXEC_DENIED);
	e->ppid = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), real_parent, tgid);
	e->ret = ret;
	e->_pad = 0;
	if (nr == CORDON_NR_EXECVEAT) {
		e->dirfd = (int)SYSCALL_ARG1(regs);
		path = (const char *)SYSCALL_ARG2(regs);
		e->flags = (__u32)SYSCALL_ARG5(regs);
	} else {
		e->dirfd = AT_FDCWD;
		path = (const char *)SYSCALL_ARG1(regs);
		e->flags = 0;
	}
	n = bpf_probe_read_user_str(e->path, sizeof(e->path), path);
	e->path_len = n > 0 ? n : 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Every system call of the host returns through here, so the syscall number and result are
 * looked at first and nearly every call leaves after two compares. fexit/__sock_create would be
 * the natural hook for sockets, but hosts that refuse BPF trampolines exist (these build machines
 * do); the raw syscall-exit tracepoint sees each call's arguments and result everywhere.
 */
SEC("raw_tp/sys_exit")
int cordon_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs___cordon *regs = (struct pt_regs___cordon *)ctx->args[0];
	long nr = SYSCALL_NR(regs);
	int ret = (int)ctx->args[1];

	if (nr == CORDON_NR_SOCKET)
		return report_socket(regs, ret);
	if (ret != -EPERM)
		return 0;
	if (nr == CORDON_NR_EXECVE || nr == CORDON_NR_EXECVEAT)
		return report_exec_denied(regs, nr, ret);
	return 0;
}

/*
 * An exec of the session succeeded: its argv and the file that runs. The raw tracepoint's
 * arguments are (task, old_pid, bprm); bprm->file is what the kernel opened and runs.
 */
SEC("raw_tp/sched_process_exec")
int cordon_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	struct task_struct *task;
	struct cordon_exec_event *e;
	struct exe_walk *exe;
	unsigned long start, end, len;

	if (bpf_current_task_under_cgroup(&session_cgroup, 0) != 1)
		return 0;
	exe = walk_exe(BPF_CORE_READ(bprm, file)); /* before the reservation: no reference is held across its calls */

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
	exe_path(exe, e);
	script_path(bprm, e);
	e->_pad = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The last thread of a process of the session exited: its status, for the report's process tree. */
SEC("raw_tp/sched_process_exit")
int cordon_exit(void *ctx)
{
	struct task_struct *task;
	struct cordon_exit_event *e;

	if (bpf_current_task_under_cgroup(&session_cgroup, 0) != 1)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* other threads still run: the process has not ended */
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_header(&e->hdr, CORDON_EVENT_EXIT);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* A socket that waited on a simulated outage is gone: report when, so userspace can say how long it waited. */
SEC("cgroup/sock_release")
int cordon_sock_release(struct bpf_sock *sk)
{
	struct cordon_outage_end_event *e;
	__u64 cookie, *start;

	if (!outage_style)
		return 1;
	cookie = bpf_get_socket_cookie(sk);
	start = bpf_map_lookup_elem(&outage_sockets, &cookie);
	if (!start)
		return 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		fill_header(&e->hdr, CORDON_EVENT_OUTAGE_END);
		e->cookie = cookie;
		e->start_ns = *start;
		bpf_ringbuf_submit(e, 0);
	} else {
		count_drop();
	}
	bpf_map_delete_elem(&outage_sockets, &cookie);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
