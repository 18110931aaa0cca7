/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * exit: sched_process_exit runs for every exiting thread, after do_exit has
 * decremented signal->live and stored exit_code. A process is gone when its
 * last thread exits (live == 0); earlier thread exits are not reported.
 */
#include "../helpers/task.bpf.h"
#include "../helpers/emit.bpf.h"
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_exit, struct task_struct *task)
{
	struct vigil_exit *e;

	if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
		return 0;
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	e = vigil_reserve(VIGIL_EVENT_EXIT, sizeof(*e));
	if (!e)
		return 0;
	vigil_fill_hdr(&e->hdr, VIGIL_EVENT_EXIT, sizeof(*e), task);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->pad = 0;
	vigil_submit(e, VIGIL_EVENT_EXIT);
	return 0;
}
