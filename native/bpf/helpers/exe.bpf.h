/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Facts about an executed file that its name cannot fake, read from the
 * struct file exec opened: inode, superblock, overlayfs layer, memfd-ness,
 * and, for a script, which file exec was actually asked to run.
 */
#ifndef VIGIL_EXE_BPF_H
#define VIGIL_EXE_BPF_H

#include "../maps.bpf.h"
#include <bpf/bpf_core_read.h>

/* ____fput is what the last fput() of a file queues as task work (see
 * vigil_script_file). Weak: a kernel whose kallsyms hides or renames it
 * loads anyway, and scripts are then described by their interpreter only. */
extern const void ____fput __ksym __weak;

/* Bytes from the start of an overlay inode's embedded VFS inode to its
 * upper dentry pointer. With overlayfs' BTF (built in, or its module loaded
 * before the sensor) CO-RE gives the exact offset. Without it (overlayfs is
 * a module not yet loaded, or built without BTF) Vigil relies on the layout
 * every kernel since 4.13 has: `struct inode vfs_inode;` immediately
 * followed by `struct dentry *__upperdentry;`, so the pointer sits one
 * vmlinux `struct inode` past the VFS inode. */
static __always_inline long vigil_ovl_upper_offset(void)
{
	if (bpf_core_type_exists(struct ovl_inode))
		return bpf_core_field_offset(struct ovl_inode, __upperdentry) -
		       bpf_core_field_offset(struct ovl_inode, vfs_inode);
	return bpf_core_type_size(struct inode);
}

/* Fills `out` from `file`. On overlayfs the file's inode is the overlay's
 * own (stacked files since 4.19), whose upper dentry is set once the file
 * exists in the writable layer: created there, or copied up from an image
 * layer by a write, chmod or rename. An image-only file has none. */
static __always_inline void vigil_exe_file(struct file *file, struct vigil_exe_file *out)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	unsigned long magic = BPF_CORE_READ(sb, s_magic);
	struct dentry *upper = NULL;

	out->ino = BPF_CORE_READ(inode, i_ino);
	out->size = BPF_CORE_READ(inode, i_size);
	out->dev = BPF_CORE_READ(sb, s_dev);
	out->nlink = BPF_CORE_READ(inode, i_nlink);
	out->flags = VIGIL_EXE_PRESENT;
	out->pad = 0;
	bpf_probe_read_kernel_str(out->name, sizeof(out->name), BPF_CORE_READ(file, f_path.dentry, d_name.name));

	if (magic == VIGIL_OVERLAYFS_MAGIC) {
		out->flags |= VIGIL_EXE_OVERLAY;
		if (bpf_probe_read_kernel(&upper, sizeof(upper), (char *)inode + vigil_ovl_upper_offset()) != 0)
			out->flags |= VIGIL_EXE_LAYER_UNREADABLE;
		else if (upper)
			out->flags |= VIGIL_EXE_UPPER;
	}
	/* memfd_create(2) names its unlinked shmem (or hugetlbfs) file
	 * "memfd:<name>"; a path lookup can never reach it. */
	if ((magic == VIGIL_TMPFS_MAGIC || magic == VIGIL_HUGETLBFS_MAGIC) && out->nlink == 0 &&
	    out->name[0] == 'm' && out->name[1] == 'e' && out->name[2] == 'm' && out->name[3] == 'f' &&
	    out->name[4] == 'd' && out->name[5] == ':')
		out->flags |= VIGIL_EXE_MEMFD;
}

/*
 * The file exec was asked to run when a binfmt handler (a #! script,
 * binfmt_misc) substituted an interpreter. exec_binprm() swaps bprm->file
 * for the interpreter and drops its reference to the script before
 * sched_process_exec fires; being the last reference, fput() defers the
 * release as task work (struct file's f_task_work, run on return to user
 * space), so the script's struct file is still on the task's list. Exec
 * opened it with __FMODE_EXEC in f_flags. The list is newest first and a
 * chain of scripts queues the outermost one first, so the last such entry
 * is the file that was named.
 */
static __always_inline struct file *vigil_script_file(struct task_struct *task)
{
	struct callback_head *work = BPF_CORE_READ(task, task_works);
	struct file *found = NULL, *f;
	int i;

	if (!&____fput)
		return NULL;
	/* Exec queues a handful of entries (closed O_CLOEXEC fds, the script
	 * chain); 16 covers that with room to spare. */
	for (i = 0; i < 16 && work; i++) {
		if (BPF_CORE_READ(work, func) == &____fput) {
			f = (struct file *)((char *)work - bpf_core_field_offset(struct file, f_task_work));
			if (BPF_CORE_READ(f, f_flags) & VIGIL_FMODE_EXEC)
				found = f;
		}
		work = BPF_CORE_READ(work, next);
	}
	return found;
}

#endif /* VIGIL_EXE_BPF_H */
