/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The watch table lookup and the per-name decision of watch.bpf.h, as
 * global BPF functions, verified once each (see path.bpf.c).
 */
#include "watch.bpf.h"

/*
 * Looks the first `len` bytes of key.path up in table generation `gen`. A
 * head with a wildcard tail skips the next component and looks the rest up
 * among its tails; the match must also list `access`.
 */
__noinline int vigil_lookup(__u32 len, __u32 access, __u32 gen, struct vigil_match *m)
{
	struct vigil_path_scratch *s = vigil_scratch();
	struct vigil_watch_value *v, *t;
	__u32 i = 0, k, rest;

	if (!s || !m)
		return VIGIL_MISSED;
	if (len > VIGIL_WATCH_PATH_LEN)
		len = VIGIL_WATCH_PATH_LEN;
	m->gen = gen;
	s->key.gen = gen;
	s->key.table = 0;
	s->key.prefixlen = (2 + len) * 8;
	v = bpf_map_lookup_elem(&vigil_watch, &s->key);
	if (!v)
		return VIGIL_MISSED;
	if (v->kind == VIGIL_WATCH_RESOLVE)
		return VIGIL_RESOLVE_FIRST;
	if (v->tail) {
		/* The wildcard component runs from head_len to the next '/'. */
		for (k = 0; k < VIGIL_WATCH_PATH_LEN; k++) {
			i = v->head_len + k;
			if (i >= len || s->key.path[i & VIGIL_NAME_MASK] == '/')
				break;
		}
		if (i < len) {
			rest = len - i - 1;
			s->tail.gen = gen;
			s->tail.table = v->tail;
			s->tail.prefixlen = (2 + rest) * 8;
			bpf_probe_read_kernel(s->tail.path, rest & VIGIL_NAME_MASK, &s->key.path[(i + 1) & VIGIL_NAME_MASK]);
			t = bpf_map_lookup_elem(&vigil_watch, &s->tail);
			if (t && (t->access & access)) {
				m->entry = t->entry;
				return VIGIL_MATCHED;
			}
		}
	}
	if (v->entry == VIGIL_WATCH_NO_ENTRY || !(v->access & access))
		return VIGIL_MISSED;
	m->entry = v->entry;
	return VIGIL_MATCHED;
}

/* Whether some pattern starts with the two bytes after key.path's leading
 * '/' (a NUL for a shorter name): a load and a test, where the trie walks
 * nodes. Most names outside the table stop here. */
static __always_inline int vigil_pair_watched(struct vigil_path_scratch *s, __u32 gen)
{
	__u32 pair = (__u8)s->key.path[1] << 8 | (__u8)s->key.path[2];

	return (vigil_watch_pairs[gen & 1][(pair >> 6) & (VIGIL_WATCH_PAIR_WORDS - 1)] >> (pair & 63)) & 1;
}

/* Looks a path just built in key.path (`len` bytes, maybe more than a key
 * holds) up and records how it was obtained. */
static __always_inline int vigil_lookup_resolved(__u32 len, __u32 access, __u32 gen, struct vigil_match *m, __u8 resolution)
{
	int r = vigil_lookup(len, access, gen, m);

	m->resolution = resolution;
	m->truncated = len > VIGIL_WATCH_PATH_LEN - 1;
	m->len = m->truncated ? VIGIL_WATCH_PATH_LEN - 1 : len;
	return r == VIGIL_MATCHED ? VIGIL_MATCHED : VIGIL_MISSED;
}

/*
 * Whether one name argument of a finished call (`other` picks the second)
 * names a watched path. The name is the user's string (NULL for calls on an
 * fd). The file a call opened or acted on (its `fd`) decides for its first
 * name by its real path; without one, a name the table cannot judge as
 * spelled is folded onto its directory (cwd or the dirfd).
 */
__noinline int vigil_check_name(const struct vigil_call *c, int other, struct vigil_match *m)
{
	struct vigil_path_scratch *s = vigil_scratch();
	/* Read once: a table switched during this call must not judge its
	 * prefilter by one generation and its lookup by the other. */
	__u32 gen = *(volatile __u32 *)&vigil_watch_gen;
	const char *uname;
	struct file *file = NULL;
	int dirfd, fd;
	__u32 access;
	struct task_struct *task;
	struct vfsmount *dmnt;
	struct dentry *ddentry;
	struct file *dir;
	int r = VIGIL_MISSED, pos, len;
	long n = 0;
	__u32 base = 0;

	if (!s || !c || !m)
		return VIGIL_MISSED;
	uname = other ? c->other : c->name;
	fd = other ? -1 : c->fd;
	dirfd = other ? c->other_dirfd : c->dirfd;
	access = other ? c->other_access : c->access;
	if (uname) {
		n = bpf_probe_read_user_str(s->key.path, VIGIL_WATCH_PATH_LEN, uname);
		if (n > 1 && s->key.path[0] == '/') {
			if (vigil_pair_watched(s, gen))
				r = vigil_lookup(n - 1, access, gen, m);
			if (r == VIGIL_MATCHED) {
				m->resolution = VIGIL_RESOLVED_AS_GIVEN;
				m->len = n - 1;
				m->truncated = 0;
				return VIGIL_MATCHED;
			}
			/* Judged as spelled: absolute, canonical, not cut. Only a
			 * symlink on the way can still lead elsewhere (see README). */
			if (r == VIGIL_MISSED && n < VIGIL_WATCH_PATH_LEN && vigil_plain(n - 1))
				return VIGIL_MISSED;
		}
		/* Keep the name: key.path is about to hold other paths. */
		if (n > 0)
			bpf_probe_read_kernel(s->name, n & VIGIL_NAME_MASK, s->key.path);
	}
	/* Only now, for the few names the table could not judge as spelled,
	 * is the call's file looked up. */
	if (fd >= 0)
		file = vigil_fd_file(fd);
	if (file) {
		/* /proc/<pid>/... names that opened a proc file are just that. */
		if (r == VIGIL_RESOLVE_FIRST && BPF_CORE_READ(file, f_inode, i_sb, s_magic) == VIGIL_PROC_MAGIC)
			return VIGIL_MISSED;
		pos = vigil_walk((__u64)BPF_CORE_READ(file, f_path.mnt), (__u64)BPF_CORE_READ(file, f_path.dentry));
		if (pos < 0)
			return VIGIL_UNRESOLVED;
		return vigil_lookup_resolved(vigil_walk_to_key(s, pos), access, gen, m, VIGIL_RESOLVED_FILE);
	}
	/* No file: fold the name lexically. A magic link cannot be folded, and
	 * an empty or unreadable name names nothing. */
	if (n <= 1 || r == VIGIL_RESOLVE_FIRST)
		return VIGIL_MISSED;
	if (n >= VIGIL_WATCH_PATH_LEN)
		return VIGIL_UNRESOLVED;
	if (s->name[0] != '/') {
		if (dirfd == VIGIL_DIRFD_NONE)
			return VIGIL_MISSED;
		if (dirfd == VIGIL_AT_FDCWD) {
			task = (struct task_struct *)bpf_get_current_task();
			dmnt = BPF_CORE_READ(task, fs, pwd.mnt);
			ddentry = BPF_CORE_READ(task, fs, pwd.dentry);
		} else {
			dir = vigil_fd_file(dirfd);
			if (!dir)
				return VIGIL_MISSED; /* the call failed with EBADF */
			dmnt = BPF_CORE_READ(dir, f_path.mnt);
			ddentry = BPF_CORE_READ(dir, f_path.dentry);
		}
		pos = vigil_walk((__u64)dmnt, (__u64)ddentry);
		if (pos < 0)
			return VIGIL_UNRESOLVED;
		base = vigil_walk_to_key(s, pos);
		if (base >= VIGIL_WATCH_PATH_LEN)
			return VIGIL_UNRESOLVED;
		if (base == 1) /* "/": folding starts from an empty directory path */
			base = 0;
	}
	len = vigil_fold(base, n - 1);
	if (len < 0)
		return VIGIL_UNRESOLVED;
	return vigil_lookup_resolved(len, access, gen, m, VIGIL_RESOLVED_LEXICAL);
}

