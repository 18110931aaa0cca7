/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * connect: the destination is known at entry, the result only at exit, so
 * entry saves the arguments per thread and exit emits one record with both.
 * A thread is in at most one syscall at a time, so the tid is a unique key.
 * Non-blocking sockets report -EINPROGRESS here, as the caller saw it.
 */
#include "../helpers/task.bpf.h"
#include "../helpers/emit.bpf.h"

SEC("tp/syscalls/sys_enter_connect")
int vigil_conn_in(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct vigil_pending_connect p = {};

	if (vigil_is_self(id >> 32))
		return 0;
	p.fd = (__s32)ctx->args[0];
	p.addr = ctx->args[1];
	p.addr_len = (__u32)ctx->args[2];
	if (bpf_map_update_elem(&vigil_pending_connect, &tid, &p, BPF_ANY) != 0)
		vigil_count(VIGIL_EVENT_CONNECT, VIGIL_CNT_PENDING_FULL);
	return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int vigil_conn_out(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vigil_pending_connect *p;
	struct vigil_connect *e;
	__u32 len;

	p = bpf_map_lookup_elem(&vigil_pending_connect, &tid);
	if (!p)
		return 0;
	e = vigil_reserve(VIGIL_EVENT_CONNECT, sizeof(*e));
	if (e) {
		vigil_fill_hdr(&e->hdr, VIGIL_EVENT_CONNECT, sizeof(*e),
			       (struct task_struct *)bpf_get_current_task());
		e->result = (__s32)ctx->ret;
		e->fd = p->fd;
		e->pad = 0;
		len = p->addr_len;
		if (len > VIGIL_SOCKADDR_LEN)
			len = VIGIL_SOCKADDR_LEN;
		if (bpf_probe_read_user(e->addr, len, (void *)p->addr) != 0)
			len = 0;
		e->addr_len = len;
		vigil_submit(e, VIGIL_EVENT_CONNECT);
	}
	bpf_map_delete_elem(&vigil_pending_connect, &tid);
	return 0;
}
