/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * exec: sched_process_exec fires once the new image is committed (after
 * de_thread, so the caller is the thread-group leader) and only for a
 * successful execve/execveat. The new mm already holds argv between
 * arg_start and arg_end, faulted in by copy_strings. bprm->file is the file
 * the kernel loaded; what it is (layer, memfd, links) comes from its inode.
 */
#include "../helpers/task.bpf.h"
#include "../helpers/emit.bpf.h"
#include "../helpers/exe.bpf.h"
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct vigil_exec *e;
	struct mm_struct *mm;
	const struct cred *cred;
	const char *filename, *interp;
	struct file *script;
	unsigned long arg_start, len;
	int n;

	if (vigil_is_self(BPF_CORE_READ(task, tgid)))
		return 0;
	e = vigil_reserve(VIGIL_EVENT_EXEC, sizeof(*e));
	if (!e)
		return 0;
	vigil_fill_hdr(&e->hdr, VIGIL_EVENT_EXEC, sizeof(*e), task);

	cred = BPF_CORE_READ(task, cred);
	e->euid = BPF_CORE_READ(cred, euid.val);
	bpf_probe_read_kernel(&e->cap_effective, sizeof(e->cap_effective),
			      __builtin_preserve_access_index(&((struct cred *)cred)->cap_effective));
	e->has_tty = BPF_CORE_READ(task, signal, tty) != NULL;
	e->argc = BPF_CORE_READ(bprm, argc);
	e->flags = 0;
	e->pad = 0;
	BPF_CORE_READ_STR_INTO(&e->parent_comm, task, real_parent, comm);

	filename = BPF_CORE_READ(bprm, filename);
	interp = BPF_CORE_READ(bprm, interp);
	n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	if (n == sizeof(e->filename))
		e->flags |= VIGIL_EXEC_FILENAME_TRUNCATED;

	vigil_exe_file(BPF_CORE_READ(bprm, file), &e->binary);
	e->script.flags = 0;
	e->interp[0] = '\0';
	if (interp != filename) {
		e->flags |= VIGIL_EXEC_INTERPRETED;
		bpf_probe_read_kernel_str(e->interp, sizeof(e->interp), interp);
		script = vigil_script_file(task);
		if (script)
			vigil_exe_file(script, &e->script);
	}

	mm = BPF_CORE_READ(task, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	len = BPF_CORE_READ(mm, arg_end) - arg_start;
	/* One byte short of the buffer so the mask below is a true bound. */
	if (len > VIGIL_ARGS_LEN - 1) {
		len = VIGIL_ARGS_LEN - 1;
		e->flags |= VIGIL_EXEC_ARGS_TRUNCATED;
	}
	len &= VIGIL_ARGS_LEN - 1;
	if (bpf_probe_read_user(e->args, len, (void *)arg_start) != 0)
		len = 0;
	e->args_len = len;

	vigil_submit(e, VIGIL_EVENT_EXEC);
	return 0;
}
