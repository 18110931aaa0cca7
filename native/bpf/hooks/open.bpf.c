/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The open family on watched paths (watch.bpf.h): open(2), openat(2),
 * openat2(2), creat(2) and open_by_handle_at(2), at exit so the record has
 * the result. A successful call's fd names the opened file, whose real path
 * decides whenever the name alone cannot. The flags say what the open does
 * to the file: read, write, or truncate.
 */
#include "../helpers/watch.bpf.h"

static __always_inline __u8 vigil_open_access(__u32 flags)
{
	if (flags & VIGIL_O_TRUNC)
		return VIGIL_ACCESS_TRUNCATE;
	if ((flags & VIGIL_O_ACCMODE) != 0 || (flags & VIGIL_O_CREAT))
		return VIGIL_ACCESS_WRITE;
	return VIGIL_ACCESS_READ;
}

static __always_inline int vigil_open_out(long ret, __u16 call, const char *name, int dirfd, __u32 flags)
{
	return vigil_watch_one(ret, call, name, dirfd, ret >= 0 ? ret : -1, flags, vigil_open_access(flags));
}

/* open(filename, flags, mode) */
SEC("tp/syscalls/sys_exit_open")
int vigil_open_out_open(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_open_out(ctx->ret, VIGIL_FILE_OPEN, (const char *)VIGIL_ARG1(regs),
			      VIGIL_AT_FDCWD, VIGIL_ARG2(regs));
}

/* openat(dfd, filename, flags, mode) */
SEC("tp/syscalls/sys_exit_openat")
int vigil_open_out_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_open_out(ctx->ret, VIGIL_FILE_OPENAT, (const char *)VIGIL_ARG2(regs),
			      VIGIL_ARG1(regs), VIGIL_ARG3(regs));
}

/* openat2(dfd, filename, how, size): the flags are in user memory. */
SEC("tp/syscalls/sys_exit_openat2")
int vigil_open_out_openat2(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();
	struct open_how *how = (struct open_how *)VIGIL_ARG3(regs);
	__u64 flags = 0;

	bpf_probe_read_user(&flags, sizeof(flags), &how->flags);
	return vigil_open_out(ctx->ret, VIGIL_FILE_OPENAT2, (const char *)VIGIL_ARG2(regs),
			      VIGIL_ARG1(regs), flags);
}

/* creat(pathname, mode) is open(pathname, O_CREAT|O_WRONLY|O_TRUNC, mode). */
SEC("tp/syscalls/sys_exit_creat")
int vigil_open_out_creat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_open_out(ctx->ret, VIGIL_FILE_CREAT, (const char *)VIGIL_ARG1(regs),
			      VIGIL_AT_FDCWD, VIGIL_O_CREAT | VIGIL_O_WRONLY | VIGIL_O_TRUNC);
}

/* open_by_handle_at(mount_fd, handle, flags): no name at all, so only a
 * successful open's file can say what was opened (the "shocker" escape
 * reads host files this way); a failed one is only counted. */
SEC("tp/syscalls/sys_exit_open_by_handle_at")
int vigil_open_out_by_handle(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = vigil_user_regs();

	return vigil_open_out(ctx->ret, VIGIL_FILE_OPEN_BY_HANDLE_AT, NULL, VIGIL_ARG1(regs),
			      VIGIL_ARG3(regs));
}
