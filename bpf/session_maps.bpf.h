/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps a session's BPF objects share: declared once here, created by cordon.bpf.o and handed to
 * script_lines.bpf.o by fd before it loads (bpf_map__reuse_fd), which needs the same type, key, value
 * and size on both sides.
 */
#ifndef CORDON_SESSION_MAPS_BPF_H
#define CORDON_SESSION_MAPS_BPF_H

/* The session's cgroup, so a program that sees the whole host (exec, a uprobe on bash) keeps only ours. */
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

#endif
