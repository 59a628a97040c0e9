/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cordon.h - the one contract between cordon's kernel programs and its Java side.
 *
 * Every struct and enum here has a Java mirror in dev.cordon.kernel.Abi. The
 * AbiLayoutTest reads the BTF of the compiled object and fails when a field's
 * name, offset or size, or an enum value, drifts from that mirror.
 * Fixed-width types only; explicit padding so C and Java agree without guessing.
 */
#ifndef CORDON_H
#define CORDON_H

#define CORDON_COMM_LEN 16
#define CORDON_ARGS_LEN 512
#define CORDON_PORT_RANGES 8 /* port ranges one prefix can carry; userspace rejects policies needing more */

/*
 * The policy is kept in two generations (the one in force and the one a reload fills). A rule id
 * in a trie entry is its index in that generation's rule table with the generation at this bit,
 * so an event is named by the rules that decided it even across a reload.
 */
enum cordon_policy_layout {
	CORDON_POLICY_GENERATIONS = 2,
	CORDON_RULE_GENERATION_SHIFT = 30,
};
/* Table sizes userspace must know: the proxy stops learning when the table is full. */
enum cordon_table_size {
	CORDON_LEARNED_MAX = 131072, /* learned addresses per family */
	CORDON_NAME_SUFFIXES_MAX = 262144, /* entries of one generation's name table (suffixes of domain and outage patterns) */
};
#define CORDON_PATH_LEN 256 /* bytes of an exec'd path kept in an event, NUL included; longer ones are cut (a power of two) */
#define CORDON_PATH_DEPTH 128 /* directories and mounts an executable's path is walked through; deeper ones are cut */
#define CORDON_NAME_LEN 256 /* a name read from a connection's first bytes (DNS names have at most 253), and its table key */

/* What to know about the path of the file an exec ran (struct cordon_exec_event's exe_flags). */
enum cordon_exe_flag {
	CORDON_EXE_TRUNCATED = 1, /* longer than CORDON_PATH_LEN or CORDON_PATH_DEPTH: exe holds its end */
	CORDON_EXE_UNLINKED = 2,  /* the file had no name when it ran: deleted, or a memfd (exe is its last name) */
	CORDON_EXE_UNREAD = 4,    /* the path could not be read: exe is empty */
};

/* What the session does with a violation. Stored in the config map. */
enum cordon_mode {
	CORDON_MODE_ENFORCE = 0,
	CORDON_MODE_AUDIT = 1,
};

/* What a rule (or the default) says about a destination. */
enum cordon_action {
	CORDON_ACTION_ALLOW = 0,
	CORDON_ACTION_DENY = 1,
	CORDON_ACTION_NONE = 2, /* no CIDR rule covers this port: fall through to learned addresses, then the default */
};

/* What the kernel did with one attempt. */
enum cordon_verdict {
	CORDON_VERDICT_ALLOWED = 0,
	CORDON_VERDICT_BLOCKED = 1, /* enforce + deny: the syscall failed with EPERM */
	CORDON_VERDICT_AUDITED = 2, /* audit + deny: let through, reported */
	CORDON_VERDICT_OUTAGE = 3,  /* a simulated outage: refused, or let through and its packets dropped */
};

/* How a --simulate-outage destination behaves (load-time constant outage_style; NONE: no outage). */
enum cordon_outage_style {
	CORDON_OUTAGE_NONE = 0,
	CORDON_OUTAGE_TIMEOUT = 1,  /* packets dropped: TCP connects hang until TCP_USER_TIMEOUT (the cap) */
	CORDON_OUTAGE_SERVFAIL = 2, /* DNS fails at once; packets to known addresses dropped as for TIMEOUT */
	CORDON_OUTAGE_REFUSE = 3,   /* TCP connects fail with ECONNREFUSED at once; UDP packets dropped */
};

/* Which hook saw the attempt; also the event's type tag. */
enum cordon_event_kind {
	CORDON_EVENT_CONNECT = 1,
	CORDON_EVENT_SENDMSG = 2, /* a datagram: sendmsg4/6, or cgroup_skb/egress for a ping socket's echo */
	CORDON_EVENT_EXEC = 3,
	CORDON_EVENT_SOCKET = 4, /* a raw inet or a packet socket was asked for: struct cordon_socket_event */
	CORDON_EVENT_EXIT = 5,   /* the last thread of a process of the session exited */
	CORDON_EVENT_OUTAGE_END = 6, /* a socket that waited on a simulated outage was released */
	CORDON_EVENT_EXEC_DENIED = 7, /* execve/execveat failed with EPERM: struct cordon_exec_denied_event */
	CORDON_EVENT_SCRIPT_LINE = 8, /* a bash script line starts a command: struct cordon_script_line_event (script_lines.h) */
	CORDON_EVENT_NAME = 9, /* a name in a TCP connection's first bytes was judged: struct cordon_name_event */
};

/* rule_id values that are not an index into the session's rule table. */
enum cordon_rule_special {
	CORDON_RULE_DEFAULT = 0xffffffffu, /* no prefix matched: the --default action */
	CORDON_RULE_LEARNED = 0xfffffffeu, /* decided by an address learned from a DNS answer */
	CORDON_RULE_RAW_SOCKET = 0xfffffffdu, /* raw sockets bypass every address hook: refused in enforce mode */
	CORDON_RULE_OUTAGE_REFUSED = 0xfffffffcu, /* simulated outage: connect failed with ECONNREFUSED */
	CORDON_RULE_OUTAGE_DROPPED = 0xfffffffbu, /* simulated outage: let through, its packets dropped */
	CORDON_RULE_PACKET_SOCKET = 0xfffffffau, /* packet sockets send frames past every hook, cgroup_skb too */
	CORDON_RULE_UNREADABLE = 0xfffffff9u, /* first bytes that are a TLS ClientHello or an HTTP request whose name cannot be read */
	CORDON_RULE_TCP_FASTOPEN = 0xfffffff8u, /* a TCP Fast Open connect: its first bytes would leave with the SYN, unread */
	CORDON_RULE_UNWATCHED = 0xfffffff7u, /* a connection the first-bytes check could not watch (its table was full) */
};

/* Where a name in a connection's first bytes was read. */
enum cordon_name_source {
	CORDON_NAME_NONE = 0,     /* no name: an unwatched connection */
	CORDON_NAME_TLS_SNI = 1,  /* a TLS ClientHello's server_name */
	CORDON_NAME_HTTP_HOST = 2, /* an HTTP/1.x request's Host, absolute target or CONNECT authority */
};

/* struct cordon_name_event flags. */
enum cordon_name_flag {
	CORDON_NAME_ECH = 1, /* the ClientHello carries encrypted_client_hello: the name judged is the outer one */
};

/* Transport of a DNS query, in the query attribution key. */
enum cordon_dns_proto {
	CORDON_DNS_UDP = 17,
	CORDON_DNS_TCP = 6,
};

/* Config map (array, one entry). Mode is data, so one set of programs serves both modes. */
struct cordon_config {
	__u32 mode;           /* enum cordon_mode */
	__u32 default_action; /* enum cordon_action */
};

/* LPM trie keys. prefixlen first, address bytes in network order. */
struct cordon_lpm_v4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct cordon_lpm_v6 {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Destination ports lo..hi (host order, inclusive) of one prefix, with their own decision. */
struct cordon_port_range {
	__u16 lo;
	__u16 hi;
	__u32 action;  /* enum cordon_action */
	__u32 rule_id; /* index into the session's rule table */
};

/*
 * LPM trie value: the decision for every port of the prefix, already merged by userspace with
 * what less specific prefixes say (the longest match is the only one the kernel looks up).
 * The first of ranges[0..nranges) that holds the port decides (they do not overlap); any other
 * port gets action/rule_id, where CORDON_ACTION_NONE means no CIDR rule applies.
 */
struct cordon_rule {
	__u32 action;  /* enum cordon_action, for ports no range holds */
	__u32 rule_id; /* index into the session's rule table */
	__u32 nranges; /* used entries of ranges */
	__u32 _pad;
	struct cordon_port_range ranges[CORDON_PORT_RANGES];
};

/*
 * An address learned from a DNS answer (exact IP, no prefix), with how long it stays learned.
 * Allowed and blocked are kept apart because one IP can serve both an allowed and a blocked
 * name (shared CDN addresses); userspace keeps the names. Times are bpf_ktime_get_ns().
 */
struct cordon_learned {
	__u64 allow_until_ns; /* 0: never learned from an allowed answer */
	__u64 deny_until_ns;  /* 0: never learned from a blocked answer */
	__u64 outage_until_ns; /* 0: never learned from a --simulate-outage name */
};

struct cordon_ip4 {
	__u8 addr[4];
};

struct cordon_ip6 {
	__u8 addr[16];
};

/* A DNS server the session may name with a port other than 53 (cordon's upstreams): redirected too. */
struct cordon_dns_server {
	__u8 addr[16]; /* IPv4 in the first 4 bytes */
	__u16 port;    /* network order */
	__u16 family;  /* AF_INET or AF_INET6 */
};

/* Where a redirected DNS socket really wanted to go; recvmsg/getpeername put it back. */
struct cordon_dns_orig {
	__u8 addr[16]; /* as the socket named it (a v6 socket's mapped v4 stays mapped) */
	__u16 port;    /* network order */
	__u16 family;  /* the socket's family */
	__u32 _pad;
};

/* Who owns a socket that sends DNS (by socket cookie), or who sent one query. */
struct cordon_dns_owner {
	__u32 tgid;
	__u32 pid;
	__u64 ts_ns;
	__u64 cgroup_id; /* the sender's cgroup: a guarded cgroup's task */
	char comm[CORDON_COMM_LEN];
};

/* One query as it left the cgroup toward the proxy; TCP queries use txid 0 (one key per connection). */
struct cordon_dns_query_key {
	__u16 sport; /* client source port, host order */
	__u16 txid;  /* DNS transaction id, host order */
	__u32 proto; /* enum cordon_dns_proto */
};

/*
 * Name table key (a hash map per policy generation): a suffix reversed, lower case, then '.', the
 * rest zero: "moc.buhtig." for github.com. A name is looked up as itself and then as each of its
 * label suffixes, longest first ("moc.buhtig.ipa.", then "moc.buhtig.", then "moc."): the first
 * hit is the most specific suffix on a label boundary (never "evilgithub.com").
 */
struct cordon_name_key {
	__u32 len; /* bytes of name used: the suffix and its '.' */
	__u8 name[CORDON_NAME_LEN];
};

/*
 * Name table value: what the domain policy (and --simulate-outage) says about the suffix itself and
 * about every name below it that no longer entry covers, computed by userspace with the very code
 * that decides DNS queries (the kernel uses only the longest hit).
 */
struct cordon_name_rule {
	__u32 len;             /* bytes of this entry's key (suffix + '.'), as in its key */
	__u32 action;          /* enum cordon_action for the name itself; NONE: no rule, the default decides */
	__u32 rule_id;         /* generation and index of the deciding domain rule, or CORDON_RULE_DEFAULT */
	__u32 below_action;    /* the same for names below it */
	__u32 below_rule_id;
	__u32 outage_id;       /* generation and index of the --simulate-outage pattern covering the name, or CORDON_RULE_DEFAULT */
	__u32 below_outage_id;
	__u32 _pad;
};

/* Every ring buffer record starts with this header; kind says what follows. */
struct cordon_event_header {
	__u32 kind; /* enum cordon_event_kind */
	__u32 tgid; /* the process (what ps calls pid) */
	__u32 pid;  /* the thread */
	__u32 _pad;
	__u64 ts_ns;     /* bpf_ktime_get_ns() */
	__u64 cgroup_id; /* cgroup the task was in */
	char comm[CORDON_COMM_LEN];
};

/* A connect() or sendmsg() to an inet destination. */
struct cordon_net_event {
	struct cordon_event_header hdr;
	__u32 verdict;  /* enum cordon_verdict */
	__u32 rule_id;  /* index, or CORDON_RULE_DEFAULT */
	__u16 family;   /* AF_INET / AF_INET6 as the socket saw it */
	__u16 protocol; /* IPPROTO_TCP / IPPROTO_UDP / ... */
	__u16 port;     /* host byte order */
	__u8 mapped_v4; /* 1: a v6 socket aimed at ::ffff:a.b.c.d; addr holds the v4 */
	__u8 _pad;
	__u8 addr[16];  /* network order; v4 in the first 4 bytes */
	__u64 cookie;   /* socket cookie: joins a simulated-outage attempt to its OUTAGE_END */
};

/*
 * A process of the session asked for a raw inet or a packet (AF_PACKET) socket, seen when
 * socket() returns: refused (ret < 0, by a dropped CAP_NET_RAW or cgroup/sock_create) or created.
 */
struct cordon_socket_event {
	struct cordon_event_header hdr;
	__u32 verdict;  /* enum cordon_verdict: BLOCKED if ret < 0, else AUDITED (let through, reported) */
	__u32 rule_id;  /* CORDON_RULE_RAW_SOCKET or CORDON_RULE_PACKET_SOCKET */
	__u16 family;   /* AF_INET, AF_INET6, AF_PACKET */
	__u16 type;     /* SOCK_RAW, SOCK_DGRAM (packet) */
	__s32 protocol; /* IPPROTO_* for inet; for packet the ethertype in network order (htons(ETH_P_ALL)) */
	__s32 ret;      /* what socket creation returned: 0, or -errno */
	__u32 _pad;
};

/*
 * A process of the session called execve(): its argv, captured before it can exit, and the file
 * the kernel really ran (argv[0] and comm are the caller's choice; a symlink is resolved).
 */
struct cordon_exec_event {
	struct cordon_event_header hdr;
	__u32 ppid;
	__u32 args_len; /* bytes used in args: NUL-separated argv, maybe truncated */
	char args[CORDON_ARGS_LEN];
	__u32 exe_len;    /* bytes of exe before its NUL */
	__u32 exe_flags;  /* enum cordon_exe_flag bits */
	__u32 script_len; /* bytes of script before its NUL; 0: no interpreter took over */
	__u32 _pad;
	char exe[CORDON_PATH_LEN];    /* the file that runs, from the root of the mount namespace: for a #! script, its interpreter */
	char script[CORDON_PATH_LEN]; /* for a #! (or binfmt_misc) script: the path execve was given, as given */
};

/*
 * A process of the session failed execve() or execveat() with EPERM, seen when the call returned:
 * what it asked to run (its memory is still there after a failed exec). Userspace reads that
 * file's capabilities to tell whether the capabilities cordon dropped are why.
 */
struct cordon_exec_denied_event {
	struct cordon_event_header hdr;
	__u32 ppid;     /* a fork that never exec'd has its parent's command line */
	__s32 ret;      /* what the call returned: -EPERM */
	__s32 dirfd;    /* execveat's directory fd; AT_FDCWD (-100) for execve */
	__u32 flags;    /* execveat's flags (AT_EMPTY_PATH = 0x1000); 0 for execve */
	__u32 path_len; /* bytes read into path, NUL included; 0 if it could not be read */
	__u32 _pad;
	char path[CORDON_PATH_LEN];
};

/*
 * The name a TCP connection's first bytes carry, judged when the command sent them: blocked (that
 * send failed with EACCES), audited, a simulated outage (failed too), or allowed (reported with
 * --events, or when the ClientHello was encrypted).
 */
struct cordon_name_event {
	struct cordon_event_header hdr;
	__u32 verdict;   /* enum cordon_verdict */
	__u32 rule_id;   /* a domain rule (generation and index), CORDON_RULE_DEFAULT or a special; OUTAGE: the outage pattern */
	__u16 family;    /* the socket's */
	__u16 port;      /* the peer's, host order */
	__u16 name_len;  /* bytes of name used */
	__u8 source;     /* enum cordon_name_source */
	__u8 flags;      /* enum cordon_name_flag bits */
	__u8 mapped_v4;  /* 1: a v6 socket connected to ::ffff:a.b.c.d; addr holds the v4 */
	__u8 _pad[7];
	__u8 addr[16];   /* the peer, network order; v4 in the first 4 bytes */
	char name[CORDON_NAME_LEN]; /* lower case, no trailing dot, no port */
};

/* A process of the session ended (its last thread exited). */
struct cordon_exit_event {
	struct cordon_event_header hdr;
	__u32 ppid;
	__u32 exit_code; /* as wait(2) encodes it: status << 8, or the signal number (| 0x80 for a core dump) */
};

/* A socket marked by a simulated-outage attempt was released (closed, or its process exited). */
struct cordon_outage_end_event {
	struct cordon_event_header hdr;
	__u64 cookie;
	__u64 start_ns; /* the first outage attempt on this socket */
};

#endif /* CORDON_H */
