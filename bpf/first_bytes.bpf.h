/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * first_bytes.bpf.h - names in the first bytes of the session's TCP connections. Part of
 * cordon.bpf.c (included after judge(), before decide()); kept apart because it is one concern.
 *
 * Addresses are judged by what DNS answered, so a blocked name served from the same address as an
 * allowed one (a shared CDN address, curl --resolve, a hard-coded address with a Host header, an
 * HTTP proxy's CONNECT) would reach the blocked service. The first data a connection sends says
 * which name it wants: a TLS ClientHello's server_name, an HTTP/1.x request's Host (or its absolute
 * target, or CONNECT's authority). Those names are judged here by the domain policy the DNS proxy
 * uses, compiled by userspace into a table of suffixes per policy generation (cordon_name_key,
 * cordon_name_rule): a hash map, since userspace fills it with up to 100k rules at start and a hash
 * map takes an entry in half the time an LPM trie does, in batches.
 *
 * How a connection is watched:
 *   cordon_sockops (sock_ops, on the session's cgroup): when a connection the command opened is
 *     established, it enters first_bytes_sockets (a sockhash) and asks for RTT callbacks;
 *   cordon_sk_msg (sk_msg, attached to that sockhash): sees each send until the first message
 *     is judged. Returning SK_DROP fails the send with EACCES at once (never a silent drop that
 *     leaves the client waiting), and every later send too. A message that is only the start of a
 *     ClientHello or request is held (bpf_msg_cork_bytes) until enough of it is there;
 *   cordon_sockops again, on the first RTT callback after the judgement (the first message was
 *     acknowledged): the socket leaves the sockhash, which gives it back the kernel's own TCP send
 *     path, so the rest of the connection costs nothing.
 * Scans run as bpf_loop callbacks (Linux 5.17): a bounded loop over kilobytes of a message would
 * take the verifier hundreds of milliseconds at every start, bpf_loop verifies the step once.
 *
 * TCP Fast Open would send the first bytes with the SYN, before any socket is watched, so a Fast
 * Open connect is judged as refused (first_bytes_fast_open, called by decide()).
 */

/* Load-time constant: 1 when the session checks first bytes (the programs below are loaded then). */
const volatile __u8 first_bytes = 0;

#define FB_TLS_RECORD_MAX 16384 /* TLSPlaintext.length may not exceed 2^14 */
#define FB_WINDOW_MASK 0x7fff   /* offsets into a message: a whole first record (5 + 2^14 bytes) fits */
#define FB_HTTP_WINDOW 8192     /* bytes of a request searched for its Host (nginx's default line limit) */
#define FB_METHOD_MAX 16        /* letters of an HTTP method */
#define FB_MAX_EXTENSIONS 128   /* ClientHello extensions walked (browsers send about 20) */
/*
 * Connections waiting for their first message to be judged and acknowledged, at once. A sockhash
 * allocates a bucket per entry up front (16 bytes each, zeroed at every start), so this is not 2^20.
 */
#define FB_SOCKETS_MAX 65536

#define RULES_NAMES(name)                                       \
	struct {                                                \
		__uint(type, BPF_MAP_TYPE_HASH);                \
		__uint(max_entries, CORDON_NAME_SUFFIXES_MAX);  \
		__uint(map_flags, BPF_F_NO_PREALLOC);           \
		__type(key, struct cordon_name_key);            \
		__type(value, struct cordon_name_rule);         \
	} name SEC(".maps")
RULES_NAMES(names_0);
RULES_NAMES(names_1);

/* Connections whose first message is not judged yet, by socket cookie (elements are allocated as added). */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, FB_SOCKETS_MAX);
	__type(key, __u64);
	__type(value, __u64);
} first_bytes_sockets SEC(".maps");

/* What was decided on a socket's first message; freed with the socket. Only the programs use it. */
enum fb_verdict {
	FB_NEW = 0,
	FB_PASSED = 1,  /* allowed, or no name: leaves the sockhash at its next RTT callback */
	FB_REFUSED = 2, /* blocked or a simulated outage: every later send fails too */
};

struct fb_state {
	__u32 verdict;       /* enum fb_verdict */
	__u32 explicit_peer; /* 1: a CIDR rule or loopback allowed the connect, not a learned address or the default */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fb_state);
} first_bytes_state SEC(".maps");

struct cordon_name_event *const unused_name_event __attribute__((unused));
struct cordon_name_key *const unused_name_key __attribute__((unused));
struct cordon_name_rule *const unused_name_rule __attribute__((unused));
const enum cordon_name_source unused_name_source __attribute__((unused)) = 0;
const enum cordon_name_flag unused_name_flag __attribute__((unused)) = 0;

/* ---- TCP Fast Open: refused, since its first bytes leave with the SYN ---- */

struct tcp_fastopen_request;
struct tcp_sock___cordon {
	struct tcp_fastopen_request *fastopen_req; /* set while sendto(MSG_FASTOPEN) connects */
	unsigned char fastopen_connect : 1;        /* setsockopt(TCP_FASTOPEN_CONNECT) */
} __attribute__((preserve_access_index));

/*
 * A TCP connect the address policy allowed. If it is TCP Fast Open, it is refused (enforce) or
 * audited: sendto(MSG_FASTOPEN) and connect() after TCP_FASTOPEN_CONNECT put the first bytes into
 * the SYN (or queue them for right after it) before the connection is established and watched
 * (bpf_skc_to_tcp_sock and CO-RE, Linux 5.9). Otherwise the socket keeps whether a CIDR rule (or
 * loopback) allowed its peer, which the names it sends may need. Pruned when first_bytes is 0.
 */
static __always_inline void first_bytes_connect(struct bpf_sock_addr *ctx, struct judgement *j)
{
	struct tcp_sock___cordon *tp;
	struct cordon_config *cfg;
	struct bpf_sock *sk;
	struct fb_state *st;
	__u32 gen;

	if (!first_bytes || ctx->protocol != IPPROTO_TCP)
		return;
	sk = ctx->sk;
	if (!sk)
		return;
	tp = (struct tcp_sock___cordon *)bpf_skc_to_tcp_sock(sk);
	if (tp && (tp->fastopen_req || BPF_CORE_READ_BITFIELD(tp, fastopen_connect))) {
		gen = current_generation();
		cfg = bpf_map_lookup_elem(&config, &gen);
		j->verdict = cfg && cfg->mode == CORDON_MODE_AUDIT ? CORDON_VERDICT_AUDITED : CORDON_VERDICT_BLOCKED;
		j->rule_id = CORDON_RULE_TCP_FASTOPEN;
		return;
	}
	st = bpf_sk_storage_get(&first_bytes_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (st)
		st->explicit_peer = j->rule_id != CORDON_RULE_LEARNED && j->rule_id != CORDON_RULE_DEFAULT;
}

/* ---- reading a message ---- */

/* A byte of the message at off, or -1 past what msg->data..data_end holds (pull it first). */
static __always_inline int fb_byte(struct sk_msg_md *msg, __u32 off)
{
	__u8 *p = (__u8 *)(long)msg->data + (off & FB_WINDOW_MASK);

	if (off > FB_WINDOW_MASK || (void *)(p + 1) > (void *)(long)msg->data_end)
		return -1;
	return *p;
}

/* Two bytes in network order, or -1. */
static __always_inline int fb_u16(struct sk_msg_md *msg, __u32 off)
{
	int hi = fb_byte(msg, off), lo = fb_byte(msg, off + 1);

	return hi < 0 || lo < 0 ? -1 : hi << 8 | lo;
}

/* ASCII lower case without a branch: every scan step stays one path for the verifier. */
static __always_inline __u32 fb_lower(__u32 c)
{
	return c | ((((((c - 'A') & 0xff) - 26) >> 31) & 1) << 5);
}

/* What the first bytes hold. */
enum fb_result {
	FB_NO_NAME = 0,    /* not TLS or HTTP/1.x, or no name in it: passes */
	FB_NAMES = 1,      /* names to judge (struct fb_found) */
	FB_MORE = 2,       /* only the start of a ClientHello or request: hold until cork bytes are there */
	FB_UNREADABLE = 3, /* a ClientHello or request whose name cannot be read: judged as refused */
};

/* How a name ends. */
enum fb_mode {
	FB_EXACT = 0,     /* SNI: exactly len bytes */
	FB_HOST = 1,      /* a Host value: optional white space, the host, maybe ":port" */
	FB_AUTHORITY = 2, /* an absolute target's or CONNECT's authority: maybe "user@", the host, maybe ":port" */
};

struct fb_found {
	__u32 off[2]; /* where each name starts in the message */
	__u32 len[2]; /* FB_EXACT: its length; else the most bytes it may span */
	__u8 mode[2]; /* enum fb_mode */
	__u8 count;   /* names found (an HTTP request may have an absolute target and a Host) */
	__u8 source;  /* enum cordon_name_source */
	__u8 flags;   /* enum cordon_name_flag */
	__u8 _pad[3];
	__u32 cork;   /* FB_MORE: hold the message until it has this many bytes */
};

/*
 * The walk over the extensions keeps its state in the per-CPU scratch, not on the stack: the
 * verifier does not track map values, so it checks this step a couple of times instead of once per
 * offset it could reach (hundreds of times, tens of milliseconds at every start).
 */
struct fb_tls_walk {
	__u32 off;     /* next extension */
	__u32 end;     /* end of the extensions (within the first record) */
	__u32 sni_off; /* the host_name's first byte, once found */
	__u32 sni_len;
	__u32 ech;
	__u32 bad;     /* malformed: an extension runs past the list */
};

/* An HTTP scan: where it runs, and what it found. */
struct fb_http_scan {
	__u32 off;   /* where the scan started */
	__u32 limit; /* where it must stop */
	__u32 start; /* the method's first letter */
	__u32 at;    /* the method's or the target's end (a space), or the Host value's start */
	__u64 last;  /* the last bytes seen, lower case, newest in the low byte */
	__u8 found;  /* 1: what was looked for; 2: end of the header block (no Host); 3: a line ended first */
};

/*
 * Per CPU, too big for the stack: what the first bytes hold, and one name at a time, as sent
 * (lower case) and as the table's key, with the last judgement. The steps below are global
 * functions, each verified once, and pass their results through here.
 */
struct fb_scratch {
	struct cordon_name_key key;
	__u8 name[CORDON_NAME_LEN];
	struct cordon_name_rule hit; /* the longest suffix found in the table */
	__u32 hit_found;             /* 1: hit holds it */
	struct fb_found found;
	struct fb_tls_walk walk;
	struct fb_http_scan http;
	__u32 len;     /* bytes of name */
	__u32 rule_id; /* what decided the last name judged */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fb_scratch);
} first_bytes_scratch SEC(".maps");

static __always_inline struct fb_scratch *fb_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&first_bytes_scratch, &zero);
}

static __always_inline void fb_add(struct fb_found *f, __u32 off, __u32 len, __u8 mode)
{
	if (f->count == 0) {
		f->off[0] = off;
		f->len[0] = len;
		f->mode[0] = mode;
		f->count = 1;
	} else if (f->count == 1) {
		f->off[1] = off;
		f->len[1] = len;
		f->mode[1] = mode;
		f->count = 2;
	}
}

/* ---- TLS: the ClientHello's server_name ---- */

struct fb_tls_ctx {
	struct sk_msg_md *msg;
	struct fb_tls_walk *w; /* in the scratch */
};

/* One extension: type, length, and server_name's host_name; encrypted_client_hello is noted. */
static long fb_tls_extension(__u32 i, struct fb_tls_ctx *ctx)
{
	struct fb_tls_walk *w = ctx->w;
	int type, len, name_type, name_len;
	__u32 off = w->off;

	if (off >= w->end)
		return 1;
	type = fb_u16(ctx->msg, off);
	len = fb_u16(ctx->msg, off + 2);
	if (type < 0 || len < 0 || off + 4 + len > w->end) {
		w->bad = 1;
		return 1;
	}
	if (type == 0xfe0d) /* encrypted_client_hello (RFC 9849) */
		w->ech = 1;
	if (type == 0 && !w->sni_len) { /* server_name: list length, type 0 (host_name), length, name */
		name_type = fb_byte(ctx->msg, off + 6);
		name_len = fb_u16(ctx->msg, off + 7);
		if (name_type != 0 || name_len <= 0 || 5 + name_len > len) {
			w->bad = 1;
			return 1;
		}
		w->sni_off = off + 9;
		w->sni_len = name_len;
	}
	w->off = off + 4 + len;
	return 0;
}

/*
 * A TLS record starting a connection must be a ClientHello. The whole first record is held until
 * it is there (at most 5 + 2^14 bytes), then its server_name is read. A ClientHello split over
 * several records is read as far as the first one goes; if the name is not in it, it is unreadable.
 */
static __always_inline int fb_tls(struct sk_msg_md *msg, struct fb_scratch *s)
{
	struct fb_tls_ctx ctx = { .msg = msg, .w = &s->walk };
	struct fb_found *f = &s->found;
	struct fb_tls_walk *w = &s->walk;
	__u32 size = msg->size, need, limit, off;
	int rec, hs_hi, hs_lo, n, split = 0;

	f->source = CORDON_NAME_TLS_SNI;
	if (size < 5) { /* the record header is not all here: hold it if it can still be a handshake record */
		if (size >= 2 && fb_byte(msg, 1) != 3)
			return FB_NO_NAME;
		f->cork = 5;
		return FB_MORE;
	}
	if (fb_byte(msg, 1) != 3)
		return FB_NO_NAME; /* not TLS 1.x/SSL 3 */
	rec = fb_u16(msg, 3);
	if (rec < 0 || rec > FB_TLS_RECORD_MAX)
		return FB_UNREADABLE;
	need = 5 + rec;
	if (size < need) {
		f->cork = need;
		return FB_MORE;
	}
	if (bpf_msg_pull_data(msg, 0, need, 0))
		return FB_UNREADABLE;
	if (fb_byte(msg, 5) != 1)
		return FB_NO_NAME; /* a handshake record, but not a ClientHello: no name to read */
	hs_hi = fb_byte(msg, 6);
	hs_lo = fb_u16(msg, 7);
	if (hs_hi < 0 || hs_lo < 0)
		return FB_UNREADABLE;
	limit = 9 + ((__u32)hs_hi << 16 | hs_lo);
	if (limit > need) {
		limit = need; /* the ClientHello goes on in another record: read what this one holds */
		split = 1;
	}
	off = 9 + 2 + 32; /* legacy_version, random */
	n = fb_byte(msg, off);
	if (n < 0 || n > 32)
		return FB_UNREADABLE;
	off += 1 + n; /* legacy_session_id */
	n = fb_u16(msg, off);
	if (n < 0)
		return FB_UNREADABLE;
	off += 2 + n; /* cipher_suites */
	n = fb_byte(msg, off);
	if (n < 0)
		return FB_UNREADABLE;
	off += 1 + n; /* legacy_compression_methods */
	if (off == limit && !split)
		return FB_NO_NAME; /* a ClientHello without extensions (SSL 3 style): no name */
	n = fb_u16(msg, off);
	if (n < 0 || off + 2 > limit)
		return FB_UNREADABLE;
	__builtin_memset(w, 0, sizeof(*w));
	w->off = off + 2;
	w->end = w->off + n;
	if (w->end > limit)
		return FB_UNREADABLE; /* the extensions go on past this record (or past the message) */
	bpf_loop(FB_MAX_EXTENSIONS, fb_tls_extension, &ctx, 0);
	if (w->bad || w->off < w->end)
		return FB_UNREADABLE; /* malformed, or more extensions than walked */
	if (w->ech)
		f->flags |= CORDON_NAME_ECH;
	if (!w->sni_len)
		return FB_NO_NAME; /* no server_name: connecting by address; the address was judged */
	fb_add(f, w->sni_off, w->sni_len, FB_EXACT);
	return FB_NAMES;
}

/* ---- HTTP/1.x: the request's Host, absolute target or CONNECT authority ---- */

/* What a scan's step gets: the message, and the scan's state in the scratch (see struct fb_tls_walk). */
struct fb_http_ctx {
	struct sk_msg_md *msg;
	struct fb_http_scan *s;
};

/* The byte a scan's step looks at, or -1 past the scan's limit or the message's end: the step stops. */
static __always_inline int fb_http_byte(struct fb_http_ctx *ctx, __u32 pos)
{
	if (pos >= ctx->s->limit)
		return -1;
	return fb_byte(ctx->msg, pos);
}

/*
 * The method: capital letters after at most a few empty lines (servers skip them, RFC 9112 2.2),
 * then a space. found: 1 at the space; 3 not a request; 0 the message ends first.
 */
static long fb_http_method(__u32 i, struct fb_http_ctx *ctx)
{
	struct fb_http_scan *s = ctx->s;
	__u32 pos = s->off + i;
	int c = fb_http_byte(ctx, pos);

	if (c < 0)
		return 1;
	if (c >= 'A' && c <= 'Z') {
		if (!s->last)
			s->start = pos;
		s->last = 1; /* a letter seen */
		if (pos - s->start < FB_METHOD_MAX)
			return 0;
	} else if ((c == '\r' || c == '\n') && !s->last && pos < 4) {
		return 0;
	} else if (c == ' ' && s->last) {
		s->at = pos;
		s->found = 1;
		return 1;
	}
	s->found = 3;
	return 1;
}

/* The request target ends at a space; a line end first means HTTP/0.9 or not HTTP. */
static long fb_http_target_end(__u32 i, struct fb_http_ctx *ctx)
{
	struct fb_http_scan *s = ctx->s;
	__u32 pos = s->off + i;
	int c = fb_http_byte(ctx, pos);

	if (c < 0)
		return 1;
	if (c == ' ') {
		s->at = pos;
		s->found = 1;
		return 1;
	}
	if (c == '\r' || c == '\n') {
		s->found = 3;
		return 1;
	}
	return 0;
}

/* Header lines: "\nhost:" (any case) starts the Host value; an empty line ends the headers. */
static long fb_http_host(__u32 i, struct fb_http_ctx *ctx)
{
	struct fb_http_scan *s = ctx->s;
	__u32 pos = s->off + i;
	int c = fb_http_byte(ctx, pos);

	if (c < 0)
		return 1;
	s->last = s->last << 8 | fb_lower(c);
	if ((s->last & 0xffffffffffffULL) == 0x0a686f73743aULL) { /* "\nhost:" */
		s->at = pos + 1;
		s->found = 1;
		return 1;
	}
	if ((s->last & 0xffffff) == 0x0a0d0a || (s->last & 0xffff) == 0x0a0a) { /* "\n\r\n", "\n\n" */
		s->found = 2;
		return 1;
	}
	return 0;
}

/* The Host line must end in what is here, or its value may be cut: found = 1 at its CR or LF. */
static long fb_http_line_end(__u32 i, struct fb_http_ctx *ctx)
{
	struct fb_http_scan *s = ctx->s;
	__u32 pos = s->off + i;
	int c = fb_http_byte(ctx, pos);

	if (c < 0)
		return 1;
	if (c == '\r' || c == '\n') {
		s->found = 1;
		return 1;
	}
	return 0;
}

/* Does the message at off start with the lower-case ASCII letters of word (up to 8)? */
static __always_inline int fb_starts(struct sk_msg_md *msg, __u32 off, __u64 word, __u32 n)
{
	__u64 got = 0;
	__u32 k;
	int c;

	for (k = 0; k < 8; k++) {
		if (k >= n)
			break;
		c = fb_byte(msg, off + k);
		if (c < 0)
			return -1;
		got = got << 8 | fb_lower(c);
	}
	return got == word;
}

/*
 * A request line "METHOD SP target SP HTTP/1.x" and its header block, searched in the first
 * FB_HTTP_WINDOW bytes. The name is the Host header's; an absolute target (a request to a proxy)
 * and CONNECT's authority name one too, and both are judged. Held while the request is not all
 * there; past the window without a Host or an end of the headers, it is unreadable.
 */
static __always_inline int fb_http(struct sk_msg_md *msg, struct fb_scratch *scratch)
{
	struct fb_http_scan *s = &scratch->http;
	struct fb_http_ctx ctx = { .msg = msg, .s = s };
	struct fb_found *f = &scratch->found;
	__u32 size = msg->size, window = size < FB_HTTP_WINDOW ? size : FB_HTTP_WINDOW;
	__u32 method, target, more = size < FB_HTTP_WINDOW ? size + 1 : 0;
	int c, proxy;

	f->source = CORDON_NAME_HTTP_HOST;
	if (bpf_msg_pull_data(msg, 0, window, 0))
		return FB_UNREADABLE;
	/*
	 * Positions come out of the scans as values the verifier does not know, so what follows is
	 * verified once, not once for every length a method could have.
	 */
	__builtin_memset(s, 0, sizeof(*s));
	s->limit = window;
	bpf_loop(FB_METHOD_MAX + 8, fb_http_method, &ctx, 0);
	if (s->found == 3)
		return FB_NO_NAME;
	if (s->found != 1)
		goto short_request;
	method = s->start;
	s->off = target = s->at + 1;
	s->found = 0;
	bpf_loop(FB_HTTP_WINDOW, fb_http_target_end, &ctx, 0);
	if (s->found == 3)
		return FB_NO_NAME;
	if (s->found != 1)
		goto short_request;
	c = fb_starts(msg, s->at + 1, 0x687474702f312eULL, 7); /* "http/1." */
	if (c < 0)
		goto short_request;
	if (!c)
		return FB_NO_NAME; /* HTTP/2's preface, or not HTTP: no Host to read */
	/* CONNECT host:port, or an absolute target: http://host/ (a proxy request) */
	if (target - 1 - method == 7 && fb_starts(msg, method, 0x636f6e6e656374ULL, 7) == 1)
		fb_add(f, target, s->at - target, FB_AUTHORITY);
	else if ((proxy = fb_starts(msg, target, 0x687474703a2f2fULL, 7)) == 1)
		fb_add(f, target + 7, s->at - target - 7, FB_AUTHORITY);
	else if (proxy == 0 && fb_starts(msg, target, 0x68747470733a2f2fULL, 8) == 1)
		fb_add(f, target + 8, s->at - target - 8, FB_AUTHORITY);
	s->off = s->at + 9; /* after " HTTP/1.x": the line end, then the headers */
	s->found = 0;
	s->last = 0;
	bpf_loop(FB_HTTP_WINDOW, fb_http_host, &ctx, 0);
	if (s->found == 1) {
		s->off = s->at;
		s->found = 0;
		bpf_loop(FB_HTTP_WINDOW, fb_http_line_end, &ctx, 0);
		if (s->found != 1)
			goto short_request;
		fb_add(f, s->at, window - s->at, FB_HOST);
		return FB_NAMES;
	}
	if (s->found == 2)
		return f->count ? FB_NAMES : FB_NO_NAME; /* no Host (HTTP/1.0): the target's, or none */
short_request:
	if (!more)
		return FB_UNREADABLE; /* the window is full and the request still goes on */
	f->cork = more;
	return FB_MORE;
}

/* ---- the name, canonical: lower case, no port, no trailing dot; and its table key ---- */

struct fb_copy {
	struct sk_msg_md *msg;
	struct fb_scratch *s;
	__u32 off;
	__u32 end;
	__u32 len;      /* bytes in s->name */
	__u8 mode;      /* enum fb_mode */
	__u8 literal;   /* an IPv6 literal ("[::1]"): not a name */
	__u8 too_long;
	__u8 letters;   /* anything but digits and dots: not an IPv4 literal */
	__u8 bad;       /* the message ended inside it */
};

static long fb_copy_byte(__u32 i, struct fb_copy *c)
{
	__u32 pos = c->off + i;
	int ch;

	if (pos >= c->end)
		return 1;
	ch = fb_byte(c->msg, pos);
	if (ch < 0) {
		c->bad = c->mode == FB_EXACT;
		return 1;
	}
	if (c->mode != FB_EXACT) {
		if ((ch == ' ' || ch == '\t') && c->len == 0 && c->mode == FB_HOST)
			return 0; /* white space before a Host value */
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ':' || ch == '/' || ch == '?' ||
		    ch == '#' || ch == ',')
			return 1; /* the end of the host (":" before a port) */
		if (ch == '@' && c->mode == FB_AUTHORITY) {
			c->len = 0; /* user information came first */
			c->letters = 0;
			return 0;
		}
		if (ch == '[' && c->len == 0) {
			c->literal = 1;
			return 1;
		}
	}
	if (c->len >= CORDON_NAME_LEN - 1) {
		c->too_long = 1;
		return 1;
	}
	if ((ch < '0' || ch > '9') && ch != '.')
		c->letters = 1;
	c->s->name[c->len & (CORDON_NAME_LEN - 1)] = fb_lower(ch);
	c->len++;
	return 0;
}

struct fb_reverse {
	struct fb_scratch *s;
	__u32 len;
};

/* key.name = the name backwards: "github.com" becomes "moc.buhtig". */
static long fb_reverse_byte(__u32 i, struct fb_reverse *r)
{
	if (i >= r->len)
		return 1;
	r->s->key.name[(r->len - 1 - i) & (CORDON_NAME_LEN - 1)] = r->s->name[i & (CORDON_NAME_LEN - 1)];
	return 0;
}

/* What copying a name gave. */
enum fb_name_kind {
	FB_NAME_OK = 0,
	FB_NAME_NONE = 1,       /* empty or an address literal: the address was judged */
	FB_NAME_UNREADABLE = 2, /* longer than any DNS name, or cut off */
};

/* Copies name i of s->found into s->name (s->len bytes) and s->key. @return enum fb_name_kind */
static __always_inline int fb_name(struct sk_msg_md *msg, struct fb_scratch *s, __u32 i)
{
	struct fb_copy c = { .msg = msg, .s = s };
	struct fb_reverse r = { .s = s };
	__u32 n;

	c.off = i ? s->found.off[1] : s->found.off[0];
	n = i ? s->found.len[1] : s->found.len[0];
	c.mode = i ? s->found.mode[1] : s->found.mode[0];
	c.end = c.off + n;
	__builtin_memset(s->name, 0, sizeof(s->name));
	__builtin_memset(s->key.name, 0, sizeof(s->key.name)); /* the table hashes every byte of a key */
	s->len = 0;
	/*
	 * Read back rather than 0: the verifier cannot know a map value, so it walks the callback with
	 * a length in a range instead of once for every length from 0 to 255 (a quarter second at load).
	 */
	c.len = *(volatile __u32 *)&s->len;
	bpf_loop(CORDON_NAME_LEN + 64, fb_copy_byte, &c, 0); /* + leading white space and user information */
	if (c.bad || c.too_long)
		return FB_NAME_UNREADABLE;
	n = c.len;
	if (n > 0 && s->name[(n - 1) & (CORDON_NAME_LEN - 1)] == '.')
		n--; /* "github.com." is github.com */
	if (c.literal || n == 0 || !c.letters)
		return FB_NAME_NONE;
	if (n > 253)
		return FB_NAME_UNREADABLE;
	r.len = n;
	bpf_loop(CORDON_NAME_LEN, fb_reverse_byte, &r, 0);
	s->key.name[n & (CORDON_NAME_LEN - 1)] = '.';
	s->key.len = n + 1;
	s->len = n;
	return FB_NAME_OK;
}

/* ---- judging ---- */

/* The connection's peer as judge() takes it (a v6 socket's ::ffff:a.b.c.d as IPv4). */
static __always_inline void fb_peer(struct sk_msg_md *msg, struct destination *d)
{
	d->family = msg->family;
	d->protocol = IPPROTO_TCP;
	d->port = bpf_ntohl(msg->remote_port) & 0xffff;
	if (msg->family == AF_INET) {
		d->is_v4 = 1;
		d->w[0] = msg->remote_ip4;
		return;
	}
	d->w[0] = msg->remote_ip6[0];
	d->w[1] = msg->remote_ip6[1];
	d->w[2] = msg->remote_ip6[2];
	d->w[3] = msg->remote_ip6[3];
	if (d->w[0] == 0 && d->w[1] == 0 && d->w[2] == bpf_htonl(0x0000ffff)) {
		d->mapped_v4 = 1;
		d->is_v4 = 1;
		d->w[0] = d->w[3];
		d->w[1] = d->w[2] = d->w[3] = 0;
	}
}

/* Whether a CIDR rule (or loopback) allowed the connection's peer when it connected. */
static __always_inline int fb_explicit_peer(struct sk_msg_md *msg)
{
	struct fb_state *st = bpf_sk_storage_get(&first_bytes_state, msg->sk, 0, 0);

	return st && st->explicit_peer;
}

/* The verdict for a refused name in this generation's mode. */
static __always_inline __u32 fb_refused(struct cordon_config *cfg)
{
	return cfg->mode == CORDON_MODE_AUDIT ? CORDON_VERDICT_AUDITED : CORDON_VERDICT_BLOCKED;
}

#define FB_NO_VERDICT 16 /* fb_judge_name: the name is an address literal or absent */

struct fb_suffixes {
	struct fb_scratch *s;
	__u32 gen;
	__u32 n; /* bytes of the reversed name in s->key */
};

/*
 * One step of the walk over the name's label suffixes, longest first: at p (from the end of the
 * reversed name down) the byte after p is cleared, so where the reversed name has a '.', the key
 * is the suffix and its dot: "moc.buhtig.ipa" gives "moc.buhtig." at p = 10, then "moc." at p = 3.
 */
static long fb_suffix(__u32 i, struct fb_suffixes *w)
{
	struct fb_scratch *s = w->s;
	struct cordon_name_rule *rule;
	__u32 p;

	if (i >= w->n)
		return 1;
	p = w->n - 1 - i;
	s->key.name[(p + 1) & (CORDON_NAME_LEN - 1)] = 0;
	if (s->key.name[p & (CORDON_NAME_LEN - 1)] != '.')
		return 0;
	s->key.len = p + 1;
	rule = w->gen ? bpf_map_lookup_elem(&names_1, &s->key) : bpf_map_lookup_elem(&names_0, &s->key);
	if (!rule)
		return 0;
	s->hit = *rule;
	s->hit_found = 1;
	return 1;
}

/*
 * The policy's answer for name i of the first bytes, as DomainPolicy.decide gives it: the name's
 * own entry if the table has one (its decision for itself), else the longest label suffix that has
 * one (its decision for the names below it). A name no rule matches gets the default, except that
 * under a deny default a name sent to an address a CIDR rule (or loopback) allows passes: that
 * address was allowed for its own sake, not because a name resolved to it. A name rehearsed as down
 * (--simulate-outage) is an outage unless it is denied.
 * @return enum cordon_verdict, or FB_NO_VERDICT; s->rule_id says what decided
 */
__attribute__((noinline)) int fb_judge_name(struct sk_msg_md *msg, __u32 i)
{
	__u32 gen = current_generation(), action = CORDON_ACTION_NONE, rule_id = CORDON_RULE_DEFAULT;
	__u32 outage_id = CORDON_RULE_DEFAULT;
	struct cordon_config *cfg = bpf_map_lookup_elem(&config, &gen);
	struct fb_scratch *s = fb_scratch();
	struct cordon_name_rule *rule;
	struct fb_suffixes w;
	int kind;

	if (!cfg || !s)
		return CORDON_VERDICT_BLOCKED; /* cannot happen for array maps */
	kind = fb_name(msg, s, i);
	if (kind == FB_NAME_NONE)
		return FB_NO_VERDICT;
	if (kind == FB_NAME_UNREADABLE) {
		s->len = 0;
		s->rule_id = CORDON_RULE_UNREADABLE;
		return fb_refused(cfg);
	}
	rule = gen ? bpf_map_lookup_elem(&names_1, &s->key) : bpf_map_lookup_elem(&names_0, &s->key);
	if (rule) {
		action = rule->action;
		rule_id = rule->rule_id;
		outage_id = rule->outage_id;
	} else {
		s->hit_found = 0;
		w.s = s;
		w.gen = gen;
		w.n = s->len;
		bpf_loop(CORDON_NAME_LEN, fb_suffix, &w, 0);
		if (s->hit_found) {
			action = s->hit.below_action;
			rule_id = s->hit.below_rule_id;
			outage_id = s->hit.below_outage_id;
		}
	}
	if (action == CORDON_ACTION_NONE) {
		action = cfg->default_action;
		rule_id = CORDON_RULE_DEFAULT;
		if (action == CORDON_ACTION_DENY && fb_explicit_peer(msg))
			action = CORDON_ACTION_ALLOW; /* see first_bytes_connect */
	}
	s->rule_id = rule_id;
	if (action == CORDON_ACTION_DENY)
		return fb_refused(cfg);
	if (outage_style && outage_id != CORDON_RULE_DEFAULT) {
		s->rule_id = outage_id;
		return CORDON_VERDICT_OUTAGE;
	}
	return CORDON_VERDICT_ALLOWED;
}

/* The sender, from sk_msg: pid and cgroup by helper (5.8), comm through the current task (CO-RE). */
static __always_inline void fb_header(struct cordon_event_header *h)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	h->kind = CORDON_EVENT_NAME;
	h->tgid = id >> 32;
	h->pid = (__u32)id;
	h->_pad = 0;
	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	BPF_CORE_READ_STR_INTO(&h->comm, task, comm);
}

/* Reports the name last judged (s->name, s->len, s->rule_id) with this verdict. */
__attribute__((noinline)) int fb_report(struct sk_msg_md *msg, __u32 verdict)
{
	struct cordon_name_event *e;
	struct fb_scratch *s = fb_scratch();
	struct destination d = {};
	__u64 *to, *from;
	__u32 *a, k, len;

	if (!s)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fb_header(&e->hdr);
	fb_peer(msg, &d);
	len = s->len;
	e->verdict = verdict;
	e->rule_id = s->rule_id;
	e->family = d.family;
	e->port = d.port;
	e->name_len = len;
	e->source = s->found.source;
	e->flags = s->found.flags;
	e->mapped_v4 = d.mapped_v4;
	for (k = 0; k < sizeof(e->_pad); k++)
		e->_pad[k] = 0;
	a = (__u32 *)e->addr;
	a[0] = d.w[0];
	a[1] = d.w[1];
	a[2] = d.w[2];
	a[3] = d.w[3];
	to = (__u64 *)e->name;
	from = (__u64 *)s->name;
	for (k = 0; k < CORDON_NAME_LEN / 8; k++)
		to[k] = from[k]; /* zero past len: fb_name cleared it */
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* What the first bytes hold (enum fb_result), with what was found in s->found. */
__attribute__((noinline)) int fb_examine(struct sk_msg_md *msg)
{
	struct fb_scratch *s = fb_scratch();
	int first;

	if (!s)
		return FB_UNREADABLE; /* cannot happen for an array map; never unjudged */
	__builtin_memset(&s->found, 0, sizeof(s->found));
	s->len = 0;
	s->rule_id = CORDON_RULE_UNREADABLE;
	bpf_msg_pull_data(msg, 0, msg->size < 16 ? msg->size : 16, 0);
	first = fb_byte(msg, 0);
	if (first == 0x16)
		return fb_tls(msg, s);
	if ((first >= 'A' && first <= 'Z') || first == '\r' || first == '\n')
		return fb_http(msg, s);
	return FB_NO_NAME;
}

/* Reported when refused, audited or an outage; allowed ones with --events, or when the ClientHello hid its name. */
static __always_inline void fb_maybe_report(struct sk_msg_md *msg, __u32 verdict, __u8 flags)
{
	if (verdict != CORDON_VERDICT_ALLOWED || report_all || (flags & CORDON_NAME_ECH))
		fb_report(msg, verdict);
}

/*
 * Judges the first bytes. Names are judged in order; the first one not allowed decides (an HTTP
 * request naming two passes only if both do). @return the verdict
 */
static __always_inline __u32 fb_verdict(struct sk_msg_md *msg)
{
	struct fb_scratch *s;
	__u32 gen, count, flags;
	struct cordon_config *cfg;
	int r, v;

	r = fb_examine(msg);
	if (r == FB_NO_NAME)
		return CORDON_VERDICT_ALLOWED;
	s = fb_scratch();
	if (!s)
		return CORDON_VERDICT_BLOCKED;
	if (r == FB_MORE) {
		bpf_msg_cork_bytes(msg, s->found.cork);
		return FB_NO_VERDICT;
	}
	flags = s->found.flags;
	if (r != FB_NAMES) {
		gen = current_generation();
		cfg = bpf_map_lookup_elem(&config, &gen);
		v = !cfg || cfg->mode != CORDON_MODE_AUDIT ? CORDON_VERDICT_BLOCKED : CORDON_VERDICT_AUDITED;
		fb_report(msg, v);
		return v;
	}
	count = s->found.count;
	v = fb_judge_name(msg, 0);
	if (v != FB_NO_VERDICT)
		fb_maybe_report(msg, v, flags);
	if ((v == FB_NO_VERDICT || v == CORDON_VERDICT_ALLOWED) && count > 1) {
		v = fb_judge_name(msg, 1);
		if (v != FB_NO_VERDICT)
			fb_maybe_report(msg, v, flags);
	}
	return v == FB_NO_VERDICT ? CORDON_VERDICT_ALLOWED : v;
}

SEC("sk_msg")
int cordon_sk_msg(struct sk_msg_md *msg)
{
	struct fb_state *st = bpf_sk_storage_get(&first_bytes_state, msg->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	__u32 verdict;

	if (st && st->verdict == FB_REFUSED)
		return SK_DROP;
	if (st && st->verdict == FB_PASSED)
		return SK_PASS; /* judged; leaves the sockhash when its first message is acknowledged */
	verdict = fb_verdict(msg);
	if (verdict == FB_NO_VERDICT)
		return SK_DROP; /* held (corked): applies only if the kernel cannot hold the bytes: refused, never unjudged */
	if (verdict == CORDON_VERDICT_BLOCKED || verdict == CORDON_VERDICT_OUTAGE) {
		if (st)
			st->verdict = FB_REFUSED;
		return SK_DROP;
	}
	if (st)
		st->verdict = FB_PASSED;
	return SK_PASS;
}

/* A connection to cordon's own DNS proxy (DNS over TCP, redirected): nothing to read there. */
static __always_inline int fb_to_proxy(struct bpf_sock_ops *ops)
{
	__u32 a0, a1, a2, a3;

	if (!proxy_port || (bpf_ntohl(ops->remote_port) & 0xffff) != proxy_port)
		return 0;
	if (ops->family == AF_INET) {
		a0 = ops->remote_ip4;
		return a0 == bpf_htonl(0x7f000001);
	}
	a0 = ops->remote_ip6[0];
	a1 = ops->remote_ip6[1];
	a2 = ops->remote_ip6[2];
	a3 = ops->remote_ip6[3];
	if (a0 || a1)
		return 0;
	return (a2 == 0 && a3 == bpf_htonl(1)) || (a2 == bpf_htonl(0x0000ffff) && a3 == bpf_htonl(0x7f000001));
}

/* A connection the sockhash has no room for is let through unwatched, and reported as audited. */
static __always_inline void fb_unwatched(struct bpf_sock_ops *ops)
{
	struct cordon_name_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u32 *a, k;

	if (!e) {
		count_drop();
		return;
	}
	/* Established in softirq: the current task is not the connection's. Userspace names it by address only. */
	__builtin_memset(&e->hdr, 0, sizeof(e->hdr));
	e->hdr.kind = CORDON_EVENT_NAME;
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->verdict = CORDON_VERDICT_AUDITED;
	e->rule_id = CORDON_RULE_UNWATCHED;
	e->family = ops->family;
	e->port = bpf_ntohl(ops->remote_port) & 0xffff;
	e->name_len = 0;
	e->source = CORDON_NAME_NONE;
	e->flags = 0;
	e->mapped_v4 = 0;
	for (k = 0; k < sizeof(e->_pad); k++)
		e->_pad[k] = 0;
	a = (__u32 *)e->addr;
	if (ops->family == AF_INET) {
		a[0] = ops->remote_ip4;
		a[1] = a[2] = a[3] = 0;
	} else {
		a[0] = ops->remote_ip6[0];
		a[1] = ops->remote_ip6[1];
		a[2] = ops->remote_ip6[2];
		a[3] = ops->remote_ip6[3];
	}
	for (k = 0; k < CORDON_NAME_LEN / 8; k++)
		((__u64 *)e->name)[k] = 0;
	bpf_ringbuf_submit(e, 0);
}

SEC("sockops")
int cordon_sockops(struct bpf_sock_ops *ops)
{
	struct fb_state *st;
	struct bpf_sock *sk;
	__u64 cookie;

	if (ops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB) {
		if (fb_to_proxy(ops))
			return 1;
		sk = ops->sk;
		if (sk) { /* a socket may connect again (after connect(AF_UNSPEC)): its first bytes are new */
			st = bpf_sk_storage_get(&first_bytes_state, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
			if (st)
				st->verdict = FB_NEW;
		}
		cookie = bpf_get_socket_cookie(ops);
		if (bpf_sock_hash_update(ops, &first_bytes_sockets, &cookie, BPF_NOEXIST)) {
			fb_unwatched(ops);
			return 1;
		}
		bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_RTT_CB_FLAG);
		return 1;
	}
	if (ops->op == BPF_SOCK_OPS_RTT_CB) {
		sk = ops->sk;
		if (!sk)
			return 1;
		st = bpf_sk_storage_get(&first_bytes_state, sk, 0, 0);
		if (!st || st->verdict != FB_PASSED)
			return 1;
		cookie = bpf_get_socket_cookie(ops);
		bpf_map_delete_elem(&first_bytes_sockets, &cookie);
		bpf_sock_ops_cb_flags_set(ops, ops->bpf_sock_ops_cb_flags & ~BPF_SOCK_OPS_RTT_CB_FLAG);
	}
	return 1;
}
