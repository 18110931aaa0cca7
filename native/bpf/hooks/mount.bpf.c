/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mount family: mount(2), and the new mount API's fsmount(2) (creates a
 * detached mount, result is its fd) and move_mount(2) (attaches it at a
 * path). Entry saves the user pointers per thread; exit reads the strings,
 * which the kernel has just copied and so are resident, and emits one record
 * with the result.
 */
#include "../helpers/task.bpf.h"
#include "../helpers/emit.bpf.h"

static __always_inline int vigil_mount_enter(struct vigil_pending_mount *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	if (vigil_is_self(id >> 32))
		return 0;
	if (bpf_map_update_elem(&vigil_pending_mount, &tid, p, BPF_ANY) != 0)
		vigil_count(VIGIL_EVENT_MOUNT, VIGIL_CNT_PENDING_FULL);
	return 0;
}

static __always_inline int vigil_mount_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vigil_pending_mount *p;
	struct vigil_mount *e;

	p = bpf_map_lookup_elem(&vigil_pending_mount, &tid);
	if (!p)
		return 0;
	e = vigil_reserve(VIGIL_EVENT_MOUNT, sizeof(*e));
	if (e) {
		vigil_fill_hdr(&e->hdr, VIGIL_EVENT_MOUNT, sizeof(*e),
			       (struct task_struct *)bpf_get_current_task());
		e->result = (__s32)ret;
		e->call = p->call;
		e->flags = p->flags;
		e->fd = p->fd;
		e->pad = 0;
		/* A failed read (NULL or bad pointer) leaves an empty string. */
		bpf_probe_read_user_str(e->source, sizeof(e->source), (void *)p->source);
		bpf_probe_read_user_str(e->target, sizeof(e->target), (void *)p->target);
		bpf_probe_read_user_str(e->fstype, sizeof(e->fstype), (void *)p->fstype);
		vigil_submit(e, VIGIL_EVENT_MOUNT);
	}
	bpf_map_delete_elem(&vigil_pending_mount, &tid);
	return 0;
}

/* mount(dev_name, dir_name, type, flags, data) */
SEC("tp/syscalls/sys_enter_mount")
int vigil_mount_in(struct trace_event_raw_sys_enter *ctx)
{
	struct vigil_pending_mount p = {
		.call = VIGIL_MOUNT_CALL_MOUNT,
		.fd = -1,
		.source = ctx->args[0],
		.target = ctx->args[1],
		.fstype = ctx->args[2],
		.flags = ctx->args[3],
	};

	return vigil_mount_enter(&p);
}

SEC("tp/syscalls/sys_exit_mount")
int vigil_mount_out(struct trace_event_raw_sys_exit *ctx)
{
	return vigil_mount_exit(ctx->ret);
}

/* move_mount(from_dfd, from_path, to_dfd, to_path, flags) */
SEC("tp/syscalls/sys_enter_move_mount")
int vigil_mvmnt_in(struct trace_event_raw_sys_enter *ctx)
{
	struct vigil_pending_mount p = {
		.call = VIGIL_MOUNT_CALL_MOVE_MOUNT,
		.fd = (__s32)ctx->args[0],
		.source = ctx->args[1],
		.target = ctx->args[3],
		.flags = ctx->args[4],
	};

	return vigil_mount_enter(&p);
}

SEC("tp/syscalls/sys_exit_move_mount")
int vigil_mvmnt_out(struct trace_event_raw_sys_exit *ctx)
{
	return vigil_mount_exit(ctx->ret);
}

/* fsmount(fs_fd, flags, attr_flags): no path yet, the fd is the result. */
SEC("tp/syscalls/sys_enter_fsmount")
int vigil_fsmnt_in(struct trace_event_raw_sys_enter *ctx)
{
	struct vigil_pending_mount p = {
		.call = VIGIL_MOUNT_CALL_FSMOUNT,
		.fd = (__s32)ctx->args[0],
		.flags = ctx->args[1],
	};

	return vigil_mount_enter(&p);
}

SEC("tp/syscalls/sys_exit_fsmount")
int vigil_fsmnt_out(struct trace_event_raw_sys_exit *ctx)
{
	return vigil_mount_exit(ctx->ret);
}
