/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The path walk and the lexical folding of path.bpf.h, as global BPF
 * functions: the verifier checks each once, on its own, instead of once per
 * path of every caller, which multiplies past its budget for loops this long.
 */
#include "path.bpf.h"

/* Loop state lives in the scratch; volatile, so that the compiler reloads
 * it each iteration instead of carrying it in a register, which the
 * verifier would track precisely and explore value by value. */
#define VIGIL_ONCE(x) (*(volatile __typeof__(x) *)&(x))

/* The last four bytes ride in a window, so each '/' (and the end, read as
 * one) checks the component it closes with a few compares: verifying a
 * branchy loop body 254 times is what costs the verifier. */
__noinline int vigil_plain(__u32 len)
{
	struct vigil_path_scratch *s = vigil_scratch();
	__u32 i, win = '/';
	char ch;

	if (!s)
		return 0;
	for (i = 1; i <= VIGIL_WATCH_PATH_LEN; i++) {
		if (i > len)
			break;
		ch = i < len ? s->key.path[i & VIGIL_NAME_MASK] : '/';
		win = (win << 8) | (__u8)ch;
		if (ch != '/')
			continue;
		if (((win & 0xffff) == 0x2f2f && i < len) || /* "//" (a trailing '/' is fine) */
		    (win & 0xffffff) == 0x2f2e2f ||          /* "/./" */
		    win == 0x2f2e2e2f)                       /* "/../" */
			return 0;
	}
	return 1;
}

/*
 * Writes the path of (vfsmnt, dentry) into scratch->walk, ending at
 * VIGIL_WALK_LEN, and returns where it starts; -1 when it is deeper than
 * VIGIL_WALK_DEPTH components or mounts, or longer than VIGIL_WALK_LEN.
 * Like the kernel's d_path it climbs d_parent, crosses from a mount's root
 * to its mountpoint in the parent mount, and stops at the current task's
 * root, so a file reached through /proc/<pid>/root, a bind mount, a symlink
 * or a relative name gets the path a process in that root would use. A
 * rename racing the walk can mix old and new names, as d_path without
 * rename_lock would.
 */
__noinline int vigil_walk(__u64 vfsmnt_addr, __u64 dentry_addr)
{
	struct vigil_path_scratch *s = vigil_scratch();
	struct vfsmount *vfsmnt = (struct vfsmount *)vfsmnt_addr;
	struct dentry *dentry = (struct dentry *)dentry_addr;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct dentry *root = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	long mnt_off = bpf_core_field_offset(struct mount, mnt);
	struct mount *mnt = (struct mount *)((char *)vfsmnt - mnt_off), *up;
	struct dentry *parent;
	const unsigned char *name;
	__u64 pos, len;
	__u32 i;

	if (!s)
		return -1;
	VIGIL_ONCE(s->pos) = VIGIL_WALK_LEN;
	for (i = 0; i < VIGIL_WALK_DEPTH; i++) {
		if (dentry == root && vfsmnt == root_mnt)
			break;
		if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
			up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt) /* the root of the mount tree */
				break;
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vfsmnt = (struct vfsmount *)((char *)up + mnt_off);
			continue;
		}
		parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry) /* unhashed from its tree */
			break;
		len = BPF_CORE_READ(dentry, d_name.len);
		name = BPF_CORE_READ(dentry, d_name.name);
		pos = VIGIL_ONCE(s->pos);
		if (len > VIGIL_NAME_MASK || pos <= len || pos > VIGIL_WALK_LEN)
			return -1;
		pos -= len;
		bpf_probe_read_kernel(&s->walk[pos & VIGIL_WALK_MASK], len & VIGIL_NAME_MASK, name);
		pos--;
		s->walk[pos & VIGIL_WALK_MASK] = '/';
		VIGIL_ONCE(s->pos) = pos;
		dentry = parent;
	}
	if (i == VIGIL_WALK_DEPTH)
		return -1;
	pos = VIGIL_ONCE(s->pos);
	if (pos >= VIGIL_WALK_LEN) { /* the root itself */
		pos = VIGIL_WALK_LEN - 1;
		s->walk[pos] = '/';
	}
	return pos;
}

/*
 * Appends the name in scratch->name (`nlen` bytes) to the directory path in
 * key.path ([0, base), canonical, no trailing '/'; base 0 for "/" or an
 * absolute name) and folds empty, "." and ".." components as a lookup
 * without symlinks would. Returns the folded length, or -1 when it does not
 * fit in a key or has more than VIGIL_WALK_DEPTH components.
 */
__noinline int vigil_fold(__u32 base, __u32 nlen)
{
	struct vigil_path_scratch *s = vigil_scratch();
	__u64 w, mark, len, depth;
	__u32 i;
	char c;

	if (!s)
		return -1;
	/* Where each component of the directory starts, for ".." to go back to.
	 * Loop bounds are read from the scratch too: compared in a register,
	 * they would be narrowed anew on every iteration. */
	VIGIL_ONCE(s->depth) = 0;
	VIGIL_ONCE(s->w) = base;
	for (i = 0; i < VIGIL_WATCH_PATH_LEN; i++) {
		if (i >= VIGIL_ONCE(s->w))
			break;
		if (s->key.path[i] != '/')
			continue;
		depth = VIGIL_ONCE(s->depth);
		if (depth >= VIGIL_WALK_DEPTH)
			return -1;
		s->marks[depth & (VIGIL_WALK_DEPTH - 1)] = i;
		VIGIL_ONCE(s->depth) = depth + 1;
	}
	/* Each component is written after a '/' at `mark`, then kept or dropped
	 * at the next '/' (or the end, read as one). */
	w = VIGIL_ONCE(s->w);
	barrier_var(w); /* check and use the same register (clang may split them) */
	if (w >= VIGIL_WATCH_PATH_LEN)
		return -1;
	VIGIL_ONCE(s->mark) = w;
	s->key.path[w & VIGIL_NAME_MASK] = '/';
	VIGIL_ONCE(s->w) = w + 1;
	VIGIL_ONCE(s->end) = nlen;
	for (i = 0; i < VIGIL_PATH_LEN; i++) {
		if (i > VIGIL_ONCE(s->end))
			break;
		c = i < VIGIL_ONCE(s->end) ? s->name[i & VIGIL_NAME_MASK] : '/';
		w = VIGIL_ONCE(s->w);
		barrier_var(w);
		if (w >= VIGIL_WATCH_PATH_LEN)
			return -1;
		if (c != '/') {
			s->key.path[w & VIGIL_NAME_MASK] = c;
			VIGIL_ONCE(s->w) = w + 1;
			continue;
		}
		mark = VIGIL_ONCE(s->mark);
		depth = VIGIL_ONCE(s->depth);
		if (mark >= w)
			return -1;
		len = w - mark - 1;
		if (len == 0 || (len == 1 && s->key.path[(mark + 1) & VIGIL_NAME_MASK] == '.')) {
			w = mark;
		} else if (len == 2 && s->key.path[(mark + 1) & VIGIL_NAME_MASK] == '.' &&
			   s->key.path[(mark + 2) & VIGIL_NAME_MASK] == '.') {
			w = 0;
			if (depth > 0) {
				depth--;
				w = s->marks[depth & (VIGIL_WALK_DEPTH - 1)];
			}
		} else {
			if (depth >= VIGIL_WALK_DEPTH)
				return -1;
			s->marks[depth & (VIGIL_WALK_DEPTH - 1)] = mark;
			depth++;
		}
		if (w >= VIGIL_WATCH_PATH_LEN)
			return -1;
		s->key.path[w & VIGIL_NAME_MASK] = '/';
		VIGIL_ONCE(s->mark) = w;
		VIGIL_ONCE(s->w) = w + 1;
		VIGIL_ONCE(s->depth) = depth;
	}
	w = VIGIL_ONCE(s->mark); /* drop the '/' opened after the last component */
	if (w == 0) {
		s->key.path[0] = '/';
		w = 1;
	}
	return w;
}

