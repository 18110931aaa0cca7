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
	struct vigil_call c = {
		.fd = -1,
		.ret = ctx->ret,
		.name = (const char *)VIGIL_ARG1(regs),
		.dirfd = VIGIL_AT_FDCWD,
		.call = VIGIL_FILE_UNLINK,
		.access = VIGIL_ACCESS_DELETE,
	};

	return vigil_watch_call(&c);
}

/* unlinkat(dfd, pathname, flags): flags may hold AT_REMOVEDIR. */
SEC("tp/syscalls/sys_exit_unlinkat")
int vigil_unlinkat_out(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();
	struct vigil_call c = {
		.fd = -1,
		.ret = ctx->ret,
		.name = (const char *)VIGIL_ARG2(regs),
		.flags = VIGIL_ARG3(regs),
		.dirfd = VIGIL_ARG1(regs),
		.call = VIGIL_FILE_UNLINKAT,
		.access = VIGIL_ACCESS_DELETE,
	};

	return vigil_watch_call(&c);
}
