/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * unlink(2) and unlinkat(2) of watched paths (watch.bpf.h), at exit: a
 * deleted shell history or key is reported with the call's result. The
 * file is gone by then, so a name the table cannot judge as spelled is
 * folded onto its directory (cwd or dirfd).
 */
#include "../helpers/watch.bpf.h"

/* unlink(pathname) */
SEC("tp/syscalls/sys_exit_unlink")
int vigil_unlink_out(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_watch_one(ctx->ret, VIGIL_FILE_UNLINK, (const char *)VIGIL_ARG1(regs), VIGIL_AT_FDCWD, -1, 0,
			       VIGIL_ACCESS_DELETE);
}

/* unlinkat(dfd, pathname, flags): flags may hold AT_REMOVEDIR. */
SEC("tp/syscalls/sys_exit_unlinkat")
int vigil_unlinkat_out(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_watch_one(ctx->ret, VIGIL_FILE_UNLINKAT, (const char *)VIGIL_ARG2(regs), VIGIL_ARG1(regs), -1,
			       VIGIL_ARG3(regs), VIGIL_ACCESS_DELETE);
}
