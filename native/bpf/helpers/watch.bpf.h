/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The file hooks' filter: does a finished call touch a watched path? Every
 * call pays for one user-string read and one LPM lookup of its name as
 * spelled; only names the table cannot judge as spelled (relative, odd
 * spellings, /proc magic links) pay for a path walk. Nothing is reserved in
 * the ring buffer before a match.
 */
#ifndef VIGIL_WATCH_BPF_H
#define VIGIL_WATCH_BPF_H

#include "path.bpf.h"
#include "task.bpf.h"
#include "emit.bpf.h"

/* A relative name that is not relative to cwd or a directory fd (a symlink's
 * target is relative to the link's directory): only checked if absolute. */
#define VIGIL_DIRFD_NONE (-1000000)

enum vigil_verdict {
	VIGIL_MISSED = 0,
	VIGIL_MATCHED = 1,
	VIGIL_RESOLVE_FIRST = 2, /* a prefix names reach other files through */
	VIGIL_UNRESOLVED = -1,   /* the real path could not be worked out */
};

struct vigil_match {
	__u32 len;        /* bytes of the matched path in scratch->key.path */
	__u16 entry;
	__u8 gen;
	__u8 resolution;  /* enum vigil_resolution */
	__u8 truncated;
};

/* Syscall arguments at exit, from the task's saved user registers: one
 * program per call instead of an enter/exit pair, because the tracepoint's
 * own dispatch is most of the cost of watching a call as cheap as open.
 * Per-syscall events exist only as tp/ tracepoints; the raw sys_exit one
 * (tp_btf) fires for every syscall and measured costlier here. */
static __always_inline struct pt_regs *vigil_user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* bpf_task_pt_regs returns a BTF pointer: plain loads, checked by the
 * verifier and relocated by CO-RE, cost less than a probe-read each. */
#if defined(__TARGET_ARCH_x86)
#define VIGIL_ARG1(r) ((r)->di)
#define VIGIL_ARG2(r) ((r)->si)
#define VIGIL_ARG3(r) ((r)->dx)
#define VIGIL_ARG4(r) ((r)->r10)
#define VIGIL_ARG5(r) ((r)->r8)
#elif defined(__TARGET_ARCH_arm64)
/* x0 holds the return value by exit; the entry value is kept in orig_x0. */
#define VIGIL_ARG1(r) ((r)->orig_x0)
#define VIGIL_ARG2(r) ((r)->regs[1])
#define VIGIL_ARG3(r) ((r)->regs[2])
#define VIGIL_ARG4(r) ((r)->regs[3])
#define VIGIL_ARG5(r) ((r)->regs[4])
#endif

/* Looks the first `len` bytes of scratch->key.path up in table generation
 * `gen`; fills m->gen and, on a match, m->entry. Returns an enum
 * vigil_verdict. (watch.bpf.c) */
int vigil_lookup(__u32 len, __u32 access, __u32 gen, struct vigil_match *m);

/* One finished call, with up to two names (rename, link, symlink). */
struct vigil_call {
	long ret;
	int fd;              /* the fd the call opened or acted on (-1: none); its file decides for `name` */
	const char *name;    /* NULL for calls on an fd */
	const char *other;   /* the second name, or NULL */
	__u32 flags;
	int dirfd;
	int other_dirfd;
	__u16 call;          /* enum vigil_file_call */
	__u8 access;         /* what the call does to `name` */
	__u8 other_access;   /* ...and to `other` */
};

/* Whether name argument `other` (0: the first) of call `c` names a watched
 * path; on a match fills `m`, whose path is left in scratch->key.path.
 * Returns an enum vigil_verdict. (watch.bpf.c) */
int vigil_check_name(const struct vigil_call *c, int other, struct vigil_match *m);

static __always_inline void vigil_file_event(struct vigil_path_scratch *s, struct vigil_match *m,
					     const struct vigil_call *c, int matched_other)
{
	struct vigil_file *e = vigil_reserve(VIGIL_EVENT_FILE, sizeof(*e));
	const char *name = matched_other ? c->other : c->name;
	const char *other = matched_other ? c->name : c->other;

	if (!e)
		return;
	vigil_fill_hdr(&e->hdr, VIGIL_EVENT_FILE, sizeof(*e), (struct task_struct *)bpf_get_current_task());
	e->result = (__s32)c->ret;
	e->call = c->call;
	e->entry = m->entry;
	e->flags = c->flags;
	e->dirfd = matched_other ? c->other_dirfd : c->dirfd;
	e->gen = m->gen;
	e->resolution = m->resolution;
	e->access = matched_other ? c->other_access : c->access;
	e->truncated = m->truncated;
	e->pad = 0;
	bpf_probe_read_kernel(e->path, m->len & VIGIL_NAME_MASK, s->key.path);
	e->path[m->len & VIGIL_NAME_MASK] = '\0';
	e->name[0] = '\0';
	e->other[0] = '\0';
	if (name)
		bpf_probe_read_user_str(e->name, sizeof(e->name), name);
	if (other)
		bpf_probe_read_user_str(e->other, sizeof(e->other), other);
	vigil_submit(e, VIGIL_EVENT_FILE);
}

/* Checks a finished call's names and emits one record for the first that
 * matches; every call is counted as emitted, filtered or unresolved. */
static __always_inline int vigil_watch_call(const struct vigil_call *c)
{
	struct vigil_path_scratch *s;
	struct vigil_match m = {};
	int r;

	if (vigil_is_self(bpf_get_current_pid_tgid() >> 32))
		return 0;
	s = vigil_scratch();
	if (!s)
		return 0;
	r = vigil_check_name(c, 0, &m);
	if (r == VIGIL_MATCHED) {
		vigil_file_event(s, &m, c, 0);
		return 0;
	}
	if (c->other) {
		int r2 = vigil_check_name(c, 1, &m);

		if (r2 == VIGIL_MATCHED) {
			vigil_file_event(s, &m, c, 1);
			return 0;
		}
		if (r2 == VIGIL_UNRESOLVED)
			r = r2;
	}
	vigil_count(VIGIL_EVENT_FILE, r == VIGIL_UNRESOLVED ? VIGIL_CNT_UNRESOLVED : VIGIL_CNT_FILTERED);
	return 0;
}

/* A finished call on one name (relative to `dirfd`), that opened or acted
 * on `fd` (-1: none). */
static __always_inline int vigil_watch_one(long ret, __u16 call, const char *name, int dirfd, int fd, __u32 flags,
					   __u8 access)
{
	struct vigil_call c = {
		.ret = ret,
		.fd = fd,
		.name = name,
		.flags = flags,
		.dirfd = dirfd,
		.call = call,
		.access = access,
	};

	return vigil_watch_call(&c);
}

/* A finished call on two names: what it does to the first (`access`) and
 * to the second (`other_access`), rename's old and new, link's target and
 * link. */
static __always_inline int vigil_watch_two(long ret, __u16 call, const char *name, int dirfd, const char *other,
					   int other_dirfd, __u32 flags, __u8 access, __u8 other_access)
{
	struct vigil_call c = {
		.ret = ret,
		.fd = -1,
		.name = name,
		.other = other,
		.flags = flags,
		.dirfd = dirfd,
		.other_dirfd = other_dirfd,
		.call = call,
		.access = access,
		.other_access = other_access,
	};

	return vigil_watch_call(&c);
}

#endif /* VIGIL_WATCH_BPF_H */
