/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fork: sched_process_fork runs in the parent once the child exists. Only
 * new processes are reported; a new thread (child pid != child tgid) does not
 * change the process tree. Kernel threads are skipped.
 */
#include "../helpers/task.bpf.h"
#include "../helpers/emit.bpf.h"
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_fork, struct task_struct *parent, struct task_struct *child)
{
	struct vigil_fork *e;
	__u32 child_pid = BPF_CORE_READ(child, pid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);

	if (child_pid != child_tgid || (BPF_CORE_READ(parent, flags) & PF_KTHREAD))
		return 0;
	e = vigil_reserve(VIGIL_EVENT_FORK, sizeof(*e));
	if (!e)
		return 0;
	vigil_fill_hdr(&e->hdr, VIGIL_EVENT_FORK, sizeof(*e), parent);
	e->child_pid = child_pid;
	e->child_tgid = child_tgid;
	vigil_submit(e, VIGIL_EVENT_FORK);
	return 0;
}
