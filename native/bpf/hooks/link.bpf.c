/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * link(2), linkat(2), symlink(2) and symlinkat(2) with watched paths
 * (watch.bpf.h), at exit. A link made to a watched file is how a reader
 * later opens it under a name the table does not know, so making one is
 * reported (access LINK on the target); a link made at a watched path
 * replaces it (a history pointed at /dev/null). A symlink's relative target
 * is relative to the link's directory, which is not folded: only absolute
 * targets are checked.
 */
#include "../helpers/watch.bpf.h"

static __always_inline int vigil_link_out(long ret, __u16 call, const char *target, int target_dfd,
					  const char *path, int path_dfd, __u32 flags)
{
	return vigil_watch_two(ret, call, target, target_dfd, path, path_dfd, flags, VIGIL_ACCESS_LINK, VIGIL_ACCESS_REPLACE);
}

/* link(oldname, newname) */
SEC("tp/syscalls/sys_exit_link")
int vigil_link_out_link(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_link_out(ctx->ret, VIGIL_FILE_LINK, (const char *)VIGIL_ARG1(regs),
			      VIGIL_AT_FDCWD, (const char *)VIGIL_ARG2(regs), VIGIL_AT_FDCWD, 0);
}

/* linkat(olddfd, oldname, newdfd, newname, flags) */
SEC("tp/syscalls/sys_exit_linkat")
int vigil_link_out_linkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_link_out(ctx->ret, VIGIL_FILE_LINKAT, (const char *)VIGIL_ARG2(regs),
			      VIGIL_ARG1(regs), (const char *)VIGIL_ARG4(regs),
			      VIGIL_ARG3(regs), VIGIL_ARG5(regs));
}

/* symlink(oldname, newname) */
SEC("tp/syscalls/sys_exit_symlink")
int vigil_link_out_symlink(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_link_out(ctx->ret, VIGIL_FILE_SYMLINK, (const char *)VIGIL_ARG1(regs),
			      VIGIL_DIRFD_NONE, (const char *)VIGIL_ARG2(regs), VIGIL_AT_FDCWD, 0);
}

/* symlinkat(oldname, newdfd, newname) */
SEC("tp/syscalls/sys_exit_symlinkat")
int vigil_link_out_symlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_link_out(ctx->ret, VIGIL_FILE_SYMLINKAT, (const char *)VIGIL_ARG1(regs),
			      VIGIL_DIRFD_NONE, (const char *)VIGIL_ARG3(regs),
			      VIGIL_ARG2(regs), 0);
}
