// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * script_lines.bpf.c - which line of which bash script started a process of the session.
 *
 * One uprobe program, attached by userspace to shell_execve() of each bash binary it understands
 * (the function bash calls in the child, right before execve(), for every external command,
 * `exec` included). It reads what $LINENO, ${BASH_SOURCE[@]} and ${BASH_LINENO[@]} would say at
 * that moment from bash's globals and sends them, so the exec event that follows in the same ring
 * buffer is known to come from that line, called from those lines. Nothing of the script or the
 * shell is changed: the probe only reads.
 *
 * Its own object, loaded only when a session has a bash to read: the ring buffer, the session's
 * cgroup and the drop counter are the session object's maps (bpf_map__reuse_fd), so the line
 * always precedes its exec in the one ring buffer the event thread reads.
 *
 * bash's data structures (bash 4.3 to 5.3, unchanged there but for ARRAY, whose head moves):
 *   VAR_CONTEXT  { char *name; int scope; int flags; VAR_CONTEXT *up, *down; HASH_TABLE *table; }
 *   HASH_TABLE   { BUCKET_CONTENTS **bucket_array; int nbuckets; int nentries; }
 *   BUCKET_CONTENTS { BUCKET_CONTENTS *next; char *key; void *data; unsigned khash; int times_found; }
 *   SHELL_VAR    { char *name; char *value; ... }     value of an indexed array: ARRAY *
 *   ARRAY        { ... ARRAY_ELEMENT *head ... }       head: a sentinel (ind -1, value NULL) of a circular list
 *   ARRAY_ELEMENT { intmax_t ind; char *value; ARRAY_ELEMENT *next, *prev; }
 * BASH_SOURCE and BASH_LINENO are pushed at index 0 on every function call and `source`, so
 * element k is frame k of the call stack, innermost first. Every step is checked (the key's hash
 * and bytes, the sentinel's index, each element's index), so a binary whose memory does not look
 * like that gives no line and is counted, never a wrong one.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "script_lines.h"

#define VAR_CONTEXT_TABLE 32
#define HASH_TABLE_NBUCKETS 8
#define SHELL_VAR_VALUE 8
/* "BASH_SOURCE\0" and "BASH_LINENO\0" as a little-endian u64 and u32: both names are 11 bytes */
#define BASH_SOURCE_0_8 0x554f535f48534142ULL
#define BASH_SOURCE_8_12 0x00454352U
#define BASH_LINENO_0_8 0x4e494c5f48534142ULL
#define BASH_LINENO_8_12 0x004f4e45U

#include "session_maps.bpf.h" /* the session object's session_cgroup, events, dropped_events, reused by fd */

/* One layout per bash binary; the attach cookie is its index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CORDON_SHELLS_MAX);
	__type(key, __u32);
	__type(value, struct cordon_shell_layout);
} shell_layouts SEC(".maps");

/* Per binary: execs whose memory did not read as the layout says (no line was sent for them). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CORDON_SHELLS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} shell_misreads SEC(".maps");

/* Referenced so the contract types are in the object's BTF for the layout check. */
struct cordon_script_line_event *const unused_script_line_event __attribute__((unused));
struct cordon_shell_layout *const unused_shell_layout __attribute__((unused));
const enum cordon_script_lines_limit unused_script_lines_limit __attribute__((unused)) = 0;
const enum cordon_event_kind unused_kind __attribute__((unused)) = 0;

struct array_element {
	__s64 ind;
	__u64 value;
	__u64 next;
	__u64 prev;
};

#define READ(dst, addr) bpf_probe_read_user(&(dst), sizeof(dst), (const void *)(addr))

static __always_inline void count(void *map, __u32 index)
{
	__u64 *n = bpf_map_lookup_elem(map, &index);

	if (n)
		*n += 1;
}

/* The SHELL_VAR of a global variable whose 12-byte name (NUL included) is key0..key1, or 0. */
static __always_inline __u64 global_var(const struct cordon_shell_layout *l, __u64 bias, __u32 hash, __u64 key0,
					__u32 key1)
{
	struct {
		__u64 next;
		__u64 key;
		__u64 data;
		__u32 khash;
	} b;
	struct {
		__u64 head;
		__u32 tail;
	} key;
	__u64 context, table, buckets, bucket;
	__s32 nbuckets;

	if (READ(context, bias + l->global_variables) || !context || READ(table, context + VAR_CONTEXT_TABLE) || !table ||
	    READ(buckets, table) || READ(nbuckets, table + HASH_TABLE_NBUCKETS) || nbuckets <= 0)
		return 0;
	if (READ(bucket, buckets + 8 * (__u64)(hash & (__u32)(nbuckets - 1))))
		return 0;
	for (int i = 0; i < CORDON_SHELL_BUCKET_CHAIN && bucket; i++) {
		if (READ(b, bucket))
			return 0;
		if (b.khash == hash && READ(key, b.key) == 0 && key.head == key0 && key.tail == key1)
			return b.data;
		bucket = b.next;
	}
	return 0;
}

/* An indexed array variable's sentinel: its address and contents. Returns 0, or -1 if it does not look like one. */
static __always_inline int array_of(const struct cordon_shell_layout *l, __u64 var, __u64 *head, struct array_element *h)
{
	__u64 array;

	if (!var || READ(array, var + SHELL_VAR_VALUE) || !array || READ(*head, array + l->array_head) || !*head ||
	    READ(*h, *head) || h->ind != -1 || h->value)
		return -1;
	return 0;
}

/* Element `at` of an array, which must have index `ind`; 0, or -1. */
static __always_inline int element(__u64 at, __s64 ind, struct array_element *out)
{
	return READ(*out, at) || out->ind != ind || !out->value ? -1 : 0;
}

/* One frame: BASH_SOURCE element `src` into frame k, with BASH_LINENO element `lno` (0 for frame 0). */
static __always_inline int frame(struct cordon_script_line_event *e, __u32 k, const struct array_element *src,
				 const struct array_element *lno)
{
	struct cordon_script_frame *f;
	long n;

	if (k >= CORDON_SCRIPT_FRAMES)
		return -1;
	f = &e->frame[k];
	f->lineno[0] = 0;
	if (lno && bpf_probe_read_user_str(f->lineno, sizeof(f->lineno), (const void *)lno->value) <= 1)
		return -1;
	n = bpf_probe_read_user_str(f->file, sizeof(f->file), (const void *)src->value);
	f->file_len = n > 0 ? n : 0;
	return n > 0 ? 0 : -1;
}

/*
 * The call stack into e: frames 0..CORDON_SCRIPT_FRAMES-1 innermost first; of a deeper stack, the
 * outermost takes the last slot. Returns the frames filled, 0 for an empty stack (bash -c, a
 * script on stdin: no file to name), -1 if the memory is not what the layout says.
 */
static __always_inline int stack(struct cordon_script_line_event *e, __u64 src_head, const struct array_element *sh,
				 __u64 lno_head, const struct array_element *lh)
{
	struct array_element src, lno;
	__u64 s = sh->next, n = lh->next;
	__u32 k;

	e->skipped = 0;
	if (s == src_head)
		return 0;
	for (k = 0; k < CORDON_SCRIPT_FRAMES; k++) {
		if (s == src_head)
			return k;
		if (element(s, k, &src))
			return -1;
		if (k > 0) {
			if (n == lno_head || element(n, k - 1, &lno) || frame(e, k, &src, &lno))
				return -1;
			n = lno.next;
		} else if (frame(e, 0, &src, 0)) {
			return -1;
		}
		s = src.next;
	}
	if (s == src_head)
		return k;
	/* deeper: the outermost frame (the script bash runs) takes the last slot */
	{
		struct array_element out_src, out_lno, lno_last;

		if (READ(out_src, sh->prev) || out_src.ind < CORDON_SCRIPT_FRAMES || !out_src.value)
			return -1;
		if (READ(lno_last, lh->prev) || lno_last.ind != out_src.ind) /* both as long as the stack */
			return -1;
		if (element(lno_last.prev, out_src.ind - 1, &out_lno) || frame(e, CORDON_SCRIPT_FRAMES - 1, &out_src, &out_lno))
			return -1;
		e->skipped = out_src.ind - (CORDON_SCRIPT_FRAMES - 1);
	}
	return CORDON_SCRIPT_FRAMES;
}

SEC("uprobe")
int cordon_shell_execve(struct pt_regs *ctx)
{
	__u32 index = (__u32)bpf_get_attach_cookie(ctx);
	const struct cordon_shell_layout *l;
	struct cordon_script_line_event *e;
	struct array_element sh, lh;
	__u64 bias, src_head, lno_head, id;
	__s32 line, trap;
	int frames;

	if (bpf_current_task_under_cgroup(&session_cgroup, 0) != 1)
		return 0;
	l = bpf_map_lookup_elem(&shell_layouts, &index);
	if (!l || !l->probe_vaddr)
		return 0;
	/* The uprobe reports the probed instruction's address: the load bias of a PIE follows. */
	bias = PT_REGS_IP(ctx) - l->probe_vaddr;
	if (READ(line, bias + l->line_number) || READ(trap, bias + l->running_trap) || line < 0 ||
	    array_of(l, global_var(l, bias, l->source_hash, BASH_SOURCE_0_8, BASH_SOURCE_8_12), &src_head, &sh) ||
	    array_of(l, global_var(l, bias, l->lineno_hash, BASH_LINENO_0_8, BASH_LINENO_8_12), &lno_head, &lh))
		goto misread;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(&dropped_events, 0);
		return 0;
	}
	frames = stack(e, src_head, &sh, lno_head, &lh);
	if (frames <= 0) {
		bpf_ringbuf_discard(e, 0);
		if (frames < 0)
			goto misread;
		return 0; /* not a script file: its children keep the line that started this shell */
	}
	id = bpf_get_current_pid_tgid();
	e->hdr.kind = CORDON_EVENT_SCRIPT_LINE;
	e->hdr.tgid = id >> 32;
	e->hdr.pid = (__u32)id;
	e->hdr._pad = 0;
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->hdr.comm, sizeof(e->hdr.comm));
	e->line = line;
	e->trap = trap;
	e->frames = frames;
	bpf_ringbuf_submit(e, 0);
	return 0;
misread:
	count(&shell_misreads, index);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
