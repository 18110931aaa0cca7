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

	return vigil_watch_one(ctx->ret, VIGIL_FILE_TRUNCATE, (const char *)VIGIL_ARG1(regs), VIGIL_AT_FDCWD, -1, 0,
			       VIGIL_ACCESS_TRUNCATE);
}

/* ftruncate(fd, length): the fd stays open, failed call or not. */
SEC("tp/syscalls/sys_exit_ftruncate")
int vigil_ftruncate_out(struct trace_event_raw_sys_exit *ctx)
{
	int fd = VIGIL_ARG1(vigil_user_regs());

	return vigil_watch_one(ctx->ret, VIGIL_FILE_FTRUNCATE, NULL, fd, fd, 0, VIGIL_ACCESS_TRUNCATE);
}
