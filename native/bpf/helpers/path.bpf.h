/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Paths for the file hooks, built in the per-CPU scratch (maps.bpf.h): the
 * real path of an open file from its dentries, and the lexical path of a
 * name relative to a directory. Both end up in scratch->key.path, where the
 * watch table looks them up (watch.bpf.h).
 */
#ifndef VIGIL_PATH_BPF_H
#define VIGIL_PATH_BPF_H

#include "../maps.bpf.h"
#include <bpf/bpf_core_read.h>

#define VIGIL_WALK_MASK (VIGIL_WALK_LEN - 1)
#define VIGIL_NAME_MASK 255 /* a dentry name is at most 255 bytes */

static __always_inline struct vigil_path_scratch *vigil_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vigil_path_scratch, &zero);
}

/* The file open at `fd` in the current task, or NULL. */
static __always_inline struct file *vigil_fd_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* True when the first `len` bytes of scratch->key.path (which start with
 * '/') hold no empty, "." or ".." component: a spelling the kernel resolves
 * to itself when no symlink is involved, so matching it as given is exact.
 * (path.bpf.c) */
int vigil_plain(__u32 len);

/*
 * Writes the path of (vfsmnt, dentry) into scratch->walk, ending at
 * VIGIL_WALK_LEN, and returns where it starts; -1 when it is deeper than
 * VIGIL_WALK_DEPTH components or mounts, or longer than VIGIL_WALK_LEN.
 * Pointers are passed as numbers: a global function's pointer arguments
 * must point to BPF memory. (path.bpf.c)
 */
int vigil_walk(__u64 vfsmnt, __u64 dentry);

/* Copies a walked path (from `pos`, which vigil_walk returned, to
 * VIGIL_WALK_LEN) to the start of key.path, cut at what a key holds;
 * returns its full length. */
static __always_inline __u32 vigil_walk_to_key(struct vigil_path_scratch *s, int pos)
{
	__u64 start = (__u32)pos & VIGIL_WALK_MASK;
	__u64 len = VIGIL_WALK_LEN - start;
	__u64 n = len < VIGIL_WATCH_PATH_LEN ? len : VIGIL_WATCH_PATH_LEN;

	bpf_probe_read_kernel(s->key.path, n, &s->walk[start]);
	return len;
}

/*
 * Appends scratch->name (`nlen` bytes) to the directory path in key.path
 * ([0, base)) and folds empty, "." and ".." components; returns the folded
 * length or -1. (path.bpf.c)
 */
int vigil_fold(__u32 base, __u32 nlen);

#endif /* VIGIL_PATH_BPF_H */
