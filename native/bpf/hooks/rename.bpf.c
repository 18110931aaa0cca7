/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * rename(2), renameat(2) and renameat2(2) on watched paths (watch.bpf.h), at
 * exit. Moving a watched file away deletes it from its path; moving another
 * file onto a watched path replaces it (a planted authorized_keys, a history
 * swapped for an empty file). Both names are checked, the old one first.
 */
#include "../helpers/watch.bpf.h"

static __always_inline int vigil_rename_out(long ret, __u16 call, const char *from, int from_dfd,
					    const char *to, int to_dfd, __u32 flags)
{
	return vigil_watch_two(ret, call, from, from_dfd, to, to_dfd, flags, VIGIL_ACCESS_DELETE, VIGIL_ACCESS_REPLACE);
}

/* rename(oldname, newname) */
SEC("tp/syscalls/sys_exit_rename")
int vigil_rename_out_rename(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_rename_out(ctx->ret, VIGIL_FILE_RENAME, (const char *)VIGIL_ARG1(regs),
				VIGIL_AT_FDCWD, (const char *)VIGIL_ARG2(regs), VIGIL_AT_FDCWD, 0);
}

/* renameat(olddfd, oldname, newdfd, newname) */
SEC("tp/syscalls/sys_exit_renameat")
int vigil_rename_out_renameat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_rename_out(ctx->ret, VIGIL_FILE_RENAMEAT, (const char *)VIGIL_ARG2(regs),
				VIGIL_ARG1(regs), (const char *)VIGIL_ARG4(regs),
				VIGIL_ARG3(regs), 0);
}

/* renameat2(olddfd, oldname, newdfd, newname, flags): RENAME_EXCHANGE swaps
 * the two, so either side can be the watched one. */
SEC("tp/syscalls/sys_exit_renameat2")
int vigil_rename_out_renameat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_rename_out(ctx->ret, VIGIL_FILE_RENAMEAT2, (const char *)VIGIL_ARG2(regs),
				VIGIL_ARG1(regs), (const char *)VIGIL_ARG4(regs),
				VIGIL_ARG3(regs), VIGIL_ARG5(regs));
}
