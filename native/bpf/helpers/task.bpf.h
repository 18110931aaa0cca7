/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Process identity for the common record header: ids, credentials,
 * namespaces and the cgroup that names the container. */
#ifndef VIGIL_TASK_BPF_H
#define VIGIL_TASK_BPF_H

#include "../maps.bpf.h"
#include <bpf/bpf_core_read.h>

/* The task's pid in the pid namespace it lives in (task_active_pid_ns;
 * nsproxy->pid_ns_for_children differs after unshare(CLONE_NEWPID)), read
 * from the process leader so threads report the process. */
static __always_inline struct upid vigil_ns_upid(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid = {};

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	return upid;
}

/* Name of the task's leaf cgroup in the default (v2) hierarchy. On a pure
 * cgroup v1 host that hierarchy is unused and every task sits at its root
 * (empty name); the v1 memory controller's cgroup then names the container. */
static __always_inline void vigil_cgroup_name(struct task_struct *task, char *out, __u32 size)
{
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup_subsys_state *css = NULL;
	int idx;

	bpf_probe_read_kernel_str(out, size, BPF_CORE_READ(cset, dfl_cgrp, kn, name));
	if (out[0] != '\0' || !bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return;
	idx = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (idx < 0 || idx >= 12)
		return;
	bpf_core_read(&css, sizeof(css), &cset->subsys[idx]);
	if (css)
		bpf_probe_read_kernel_str(out, size, BPF_CORE_READ(css, cgroup, kn, name));
}

/* Fills everything but type-specific fields. `task` must be the current
 * task: the cgroup id helper only knows about current. */
static __always_inline void vigil_fill_hdr(struct vigil_hdr *hdr, __u16 type, __u32 size,
					   struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, real_cred);

	hdr->type = type;
	hdr->version = VIGIL_SCHEMA_VERSION;
	hdr->size = size;
	hdr->boot_ns = bpf_ktime_get_boot_ns();
	hdr->pid = BPF_CORE_READ(task, pid);
	hdr->tgid = BPF_CORE_READ(task, tgid);
	hdr->ppid = BPF_CORE_READ(task, real_parent, tgid);
	hdr->uid = BPF_CORE_READ(cred, uid.val);
	hdr->gid = BPF_CORE_READ(cred, gid.val);
	hdr->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	hdr->net_ns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	struct upid upid = vigil_ns_upid(task);

	hdr->pid_ns = BPF_CORE_READ(upid.ns, ns.inum);
	hdr->ns_pid = upid.nr;
	hdr->pad0 = 0;
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	BPF_CORE_READ_STR_INTO(&hdr->comm, task, comm);
	vigil_cgroup_name(task, hdr->cgroup_name, sizeof(hdr->cgroup_name));
}

#endif /* VIGIL_TASK_BPF_H */
