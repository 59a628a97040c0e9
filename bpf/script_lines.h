/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * script_lines.h - the contract between script_lines.bpf.c and its Java side: which line of
 * which bash script started a process. Mirrored in dev.cordon.kernel.Abi (SCRIPT_LINES_*), checked
 * against the BTF of script_lines.bpf.o by AbiLayoutTest, like cordon.h.
 *
 * bash keeps $LINENO in the global int line_number, and its call stack (functions and sourced
 * files) in the array variables BASH_SOURCE and BASH_LINENO of its table of global variables;
 * every dynamically linked Linux build of bash (4.3 to 5.3 here; it links with -rdynamic for
 * loadable builtins) exports line_number and that table as dynamic symbols. Userspace reads them
 * from the ELF of each bash binary and fills one struct cordon_shell_layout per binary; the
 * uprobe's attach cookie says which.
 */
#ifndef CORDON_SCRIPT_LINES_H
#define CORDON_SCRIPT_LINES_H

#include "cordon.h"

enum cordon_script_lines_limit {
	CORDON_SHELLS_MAX = 16,           /* bash binaries one session reads lines from */
	CORDON_SHELL_BUCKET_CHAIN = 32,   /* entries of one hash bucket looked at for a variable */
	CORDON_SCRIPT_FRAMES = 8,         /* innermost frames of bash's call stack sent (functions, sourced files) */
	CORDON_SCRIPT_LINENO_LEN = 12,    /* bytes of a BASH_LINENO element kept: decimal text, NUL included */
};

/*
 * Where one bash binary keeps $LINENO and ${BASH_SOURCE[0]}: addresses are the ELF symbols'
 * st_value (link-time virtual addresses); the program adds the load bias it derives from where
 * the uprobe hit (the probed function's runtime address minus probe_vaddr).
 */
struct cordon_shell_layout {
	__u64 probe_vaddr;       /* st_value of the probed function (shell_execve) */
	__u64 line_number;       /* int line_number: $LINENO */
	__u64 running_trap;      /* int running_trap: signal number + 1 while a trap's commands run, else 0 */
	__u64 global_variables;  /* VAR_CONTEXT *global_variables */
	__u32 source_hash;       /* bash's hash_string("BASH_SOURCE"): the bucket and the key's khash */
	__u32 lineno_hash;       /* bash's hash_string("BASH_LINENO") */
	__u32 array_head;        /* offset of ARRAY.head: 24 (4.3, 4.4, 5.1), 32 (5.0), 16 (5.2, 5.3) */
	__u32 _pad;
};

/*
 * One frame of bash's call stack, innermost first: frame 0 is the command's own file (its line is
 * the event's line); frame k > 0 is BASH_SOURCE[k] with BASH_LINENO[k - 1], the line there that
 * called the function or sourced the file of frame k - 1.
 */
struct cordon_script_frame {
	char lineno[CORDON_SCRIPT_LINENO_LEN]; /* BASH_LINENO[k - 1] as bash keeps it (decimal text); empty for frame 0 */
	__u32 file_len;                        /* bytes read into file, NUL included */
	char file[CORDON_PATH_LEN];            /* BASH_SOURCE[k] */
};

/*
 * A bash of the session is about to execve() a command: the script line it runs. Sent from
 * bash's shell_execve(), in the process that execs, so it precedes that process's exec event in
 * the ring buffer. line is what $LINENO says there, frame[0].file what ${BASH_SOURCE[0]} says (the
 * script, the sourced file, or the file that defined the function), the other frames where that
 * was called or sourced from, trap what running_trap says.
 */
struct cordon_script_line_event {
	struct cordon_event_header hdr;
	__u32 line;      /* $LINENO; inside a signal or EXIT trap it counts the trap's own lines */
	__s32 trap;      /* running_trap: 0, or the trap's signal number + 1 (EXIT 1, DEBUG/ERR/RETURN NSIG+1..NSIG+3) */
	__u32 frames;    /* frames filled, 1 to CORDON_SCRIPT_FRAMES */
	__u32 skipped;   /* frames left out of a deeper stack: between frame[frames - 2] and frame[frames - 1], the outermost */
	struct cordon_script_frame frame[CORDON_SCRIPT_FRAMES];
};

#endif /* CORDON_SCRIPT_LINES_H */
