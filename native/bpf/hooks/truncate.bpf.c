/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * truncate(2) and ftruncate(2) of watched paths (watch.bpf.h), at exit:
 * emptying a shell history is as good as deleting it. ftruncate names no
 * path, so its fd's file decides.
 */
#include "../helpers/watch.bpf.h"

/* truncate(path, length) */
SEC("tp/syscalls/sys_exit_truncate")
int vigil_truncate_out(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();
	struct vigil_call c = {
		.fd = -1,
		.ret = ctx->ret,
		.name = (const char *)VIGIL_ARG1(regs),
		.dirfd = VIGIL_AT_FDCWD,
		.call = VIGIL_FILE_TRUNCATE,
		.access = VIGIL_ACCESS_TRUNCATE,
	};

	return vigil_watch_call(&c);
}

/* ftruncate(fd, length): the fd stays open, failed call or not. */
SEC("tp/syscalls/sys_exit_ftruncate")
int vigil_ftruncate_out(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();
	int fd = VIGIL_ARG1(regs);
	struct vigil_call c = {
		.ret = ctx->ret,
		.fd = fd,
		.dirfd = fd,
		.call = VIGIL_FILE_FTRUNCATE,
		.access = VIGIL_ACCESS_TRUNCATE,
	};

	return vigil_watch_call(&c);
}
