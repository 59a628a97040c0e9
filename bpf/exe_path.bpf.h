/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * exe_path.bpf.h - the path of the file an exec really ran, for the exec event.
 *
 * argv[0] and comm are whatever the caller chose (exec -a, a symlink's name); the file the kernel
 * opened is not. bpf_d_path would name it, but only from hooks these hosts refuse (fentry/LSM), so
 * the path is built here the way the kernel's prepend_path does: from the file's dentry up to the
 * root of its mount, across each mount to the one it sits on, up to the root of the mount
 * namespace. A symlink was resolved when the file was opened, so its target is what is named.
 * The walk ignores a chroot: it names where the file really is, as /proc/PID/exe read from
 * outside the chroot does.
 *
 * Paths are built backwards in a per-CPU scratch buffer twice CORDON_PATH_LEN long, so that the
 * verifier can see every copy stay inside it; what fits (the end of the path) is copied to the event.
 */
#ifndef CORDON_EXE_PATH_BPF_H
#define CORDON_EXE_PATH_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "cordon.h"

/* Minimal CO-RE views (libbpf relocates them against the running kernel's BTF). */
struct qstr {
	__u32 len; /* in an anonymous struct inside a union in the kernel: CO-RE finds it there */
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct hlist_bl_node {
	struct hlist_bl_node **pprev; /* NULL while the dentry is unhashed: deleted, or never had a name */
} __attribute__((preserve_access_index));

struct dentry {
	struct hlist_bl_node d_hash;
	struct dentry *d_parent;
	struct qstr d_name;
} __attribute__((preserve_access_index));

struct vfsmount {
	struct dentry *mnt_root;
} __attribute__((preserve_access_index));

struct mount {
	struct mount *mnt_parent; /* itself at the root of a namespace (or a detached mount) */
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
} __attribute__((preserve_access_index));

struct linux_binprm {
	struct file *file;    /* what runs: the interpreter for a #! script */
	const char *filename; /* the path execve was given (/dev/fd/N for fexecve) */
	const char *interp;   /* == filename unless a #! or binfmt_misc interpreter took over */
} __attribute__((preserve_access_index));

#define CORDON_PATH_MASK (CORDON_PATH_LEN - 1)
_Static_assert((CORDON_PATH_LEN & CORDON_PATH_MASK) == 0, "CORDON_PATH_LEN must be a power of two");

/*
 * One walk's state and buffer (per CPU: a tracepoint program runs to its end on one CPU). Kernel
 * pointers are kept as numbers: a map value is plain memory.
 */
struct exe_walk {
	__u64 dentry;
	__u64 mnt; /* struct mount * */
	__u32 off; /* the path so far starts at buf[off]; buf[CORDON_PATH_LEN - 1] is its NUL */
	__u32 flags;
	char buf[2 * CORDON_PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exe_walk);
} exe_scratch SEC(".maps");

/*
 * Puts "/name" in front of what buf holds from *off on. Returns 0 when it does not fit (the
 * path is then cut there). *off never leaves [0, CORDON_PATH_LEN): masked for the verifier,
 * checked for us.
 */
static __always_inline int prepend_name(char *buf, __u32 *off, struct dentry *dentry)
{
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	__u32 len = BPF_CORE_READ(dentry, d_name.len);
	__u32 at = *off & CORDON_PATH_MASK;

	if (len + 1 > at)
		return 0;
	at = (at - len) & CORDON_PATH_MASK;
	if (bpf_probe_read_kernel(buf + at, len & CORDON_PATH_MASK, name) != 0)
		return 0;
	at = (at - 1) & CORDON_PATH_MASK;
	buf[at] = '/';
	*off = at;
	return 1;
}

enum exe_walk_step { WALK_ON = 0, WALK_DONE = 1, WALK_CUT = 2 };

/*
 * One step up from the walk's dentry: one name, or one mount crossed. A global function, so the
 * verifier checks it once, not once per step of the caller's loop (which made loading the
 * program cost milliseconds per step allowed).
 */
__attribute__((noinline)) int cordon_exe_walk_step(void)
{
	__u32 zero = 0;
	struct exe_walk *w = bpf_map_lookup_elem(&exe_scratch, &zero);
	struct dentry *dentry, *parent;
	struct mount *mnt, *up;

	if (!w)
		return WALK_CUT;
	dentry = (struct dentry *)w->dentry;
	mnt = (struct mount *)w->mnt;
	if (dentry == BPF_CORE_READ(mnt, mnt.mnt_root)) {
		up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt)
			return WALK_DONE; /* the root of the namespace */
		w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = (__u64)up;
		return WALK_ON;
	}
	parent = BPF_CORE_READ(dentry, d_parent);
	if (!prepend_name(w->buf, &w->off, dentry))
		return WALK_CUT;
	if (parent == dentry) {
		/* a root that is not its mount's: a memfd or another file with no name in any directory */
		w->flags |= CORDON_EXE_UNLINKED;
		return WALK_DONE;
	}
	w->dentry = (__u64)parent;
	return WALK_ON;
}

/*
 * Walks the path of file into the scratch buffer. Returns the walk, whose buf[off..] holds the
 * path (the end of it, when it was cut), or NULL when there is no scratch buffer.
 */
static __always_inline struct exe_walk *walk_exe(struct file *file)
{
	__u32 zero = 0;
	struct exe_walk *w = bpf_map_lookup_elem(&exe_scratch, &zero);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	int i, step = WALK_CUT;

	if (!w)
		return NULL;
	w->off = CORDON_PATH_LEN - 1;
	w->buf[CORDON_PATH_LEN - 1] = 0;
	w->flags = 0;
	if (!dentry || !vfsmnt) {
		w->flags = CORDON_EXE_UNREAD;
		return w;
	}
	if (!BPF_CORE_READ(dentry, d_hash.pprev) && dentry != BPF_CORE_READ(vfsmnt, mnt_root))
		w->flags |= CORDON_EXE_UNLINKED; /* deleted after it was opened */
	w->dentry = (__u64)dentry;
	w->mnt = (__u64)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
	for (i = 0; i < CORDON_PATH_DEPTH; i++) {
		step = cordon_exe_walk_step();
		if (step != WALK_ON)
			break;
	}
	if (step != WALK_DONE)
		w->flags |= CORDON_EXE_TRUNCATED;
	else if ((w->off & CORDON_PATH_MASK) == CORDON_PATH_LEN - 1)
		w->buf[(w->off = CORDON_PATH_LEN - 2)] = '/'; /* the file is a namespace's root itself */
	return w;
}

/* The walk's path into e->exe (NUL-terminated, e->exe_len bytes before it) and its flags into e->exe_flags. */
static __always_inline void exe_path(struct exe_walk *w, struct cordon_exec_event *e)
{
	__u32 off;

	e->exe_len = 0;
	e->exe[0] = 0;
	if (!w) {
		e->exe_flags = CORDON_EXE_UNREAD;
		return;
	}
	e->exe_flags = w->flags;
	off = w->off & CORDON_PATH_MASK;
	if (w->flags & CORDON_EXE_UNREAD)
		return;
	if (bpf_probe_read_kernel(e->exe, CORDON_PATH_LEN - off, w->buf + off) == 0)
		e->exe_len = CORDON_PATH_LEN - 1 - off;
	else
		e->exe_flags |= CORDON_EXE_UNREAD;
}

/* The path execve was given when an interpreter (#!, binfmt_misc) runs it, into e->script; else empty. */
static __always_inline void script_path(struct linux_binprm *bprm, struct cordon_exec_event *e)
{
	const char *filename = BPF_CORE_READ(bprm, filename);
	long n;

	e->script_len = 0;
	e->script[0] = 0;
	if (filename == BPF_CORE_READ(bprm, interp))
		return;
	n = bpf_probe_read_kernel_str(e->script, sizeof(e->script), filename);
	if (n > 1)
		e->script_len = n - 1;
}

#endif /* CORDON_EXE_PATH_BPF_H */
