/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Minimal CO-RE view of the kernel types Vigil reads. It replaces a generated
 * vmlinux.h so that building needs no /sys/kernel/btf/vmlinux (an image build
 * has none): only the fields named here are used, and libbpf relocates each
 * access against the running kernel's BTF at load time. Field order and
 * padding here do not matter; names and types do.
 */
#ifndef VIGIL_CORE_H
#define VIGIL_CORE_H

#include <linux/types.h>
#include <linux/bpf.h>

#define __core __attribute__((preserve_access_index))

typedef __u32 u32;
typedef __u64 u64;
typedef int pid_t;

typedef struct {
	int counter;
} __core atomic_t;

struct ns_common {
	unsigned int inum;
} __core;

struct mnt_namespace {
	struct ns_common ns;
} __core;

struct net {
	struct ns_common ns;
} __core;

struct pid_namespace {
	struct ns_common ns;
} __core;

struct nsproxy {
	struct mnt_namespace *mnt_ns;
	struct net *net_ns;
} __core;

struct upid {
	int nr;
	struct pid_namespace *ns;
} __core;

struct pid {
	unsigned int level;
	struct upid numbers[1];
} __core;

typedef struct {
	unsigned int val;
} __core kuid_t;

typedef struct {
	unsigned int val;
} __core kgid_t;

/* One u64 since 6.3, u32[2] before: 8 bytes in both. CO-RE accepts any
 * struct for a struct field, so only the offset is relocated and the 8 bytes
 * are read raw. */
typedef struct {
	__u64 val;
} __core kernel_cap_t;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kernel_cap_t cap_effective;
} __core;

struct tty_struct {
	int index;
} __core;

struct signal_struct {
	atomic_t live;
	struct tty_struct *tty;
} __core;

struct kernfs_node {
	const char *name;
} __core;

struct cgroup {
	struct kernfs_node *kn;
} __core;

struct cgroup_subsys_state {
	struct cgroup *cgroup;
} __core;

/* Controller indexes differ between kernel configs: relocated by CO-RE. */
enum cgroup_subsys_id {
	memory_cgrp_id = 4,
};

struct css_set {
	struct cgroup_subsys_state *subsys[12];
	struct cgroup *dfl_cgrp;
} __core;

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
} __core;

struct task_struct {
	unsigned int flags;
	int exit_code;
	pid_t pid;
	pid_t tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	char comm[16];
	const struct cred *real_cred;
	const struct cred *cred;
	struct mm_struct *mm;
	struct nsproxy *nsproxy;
	struct signal_struct *signal;
	struct css_set *cgroups;
	struct pid *thread_pid;
	struct fs_struct *fs;
	struct files_struct *files;
	struct callback_head *task_works; /* deferred work, run on return to user space */
} __core;

/* Files, as exec and the file-access hooks see them. */
struct qstr {
	__u32 len;
	const unsigned char *name;
} __core;

struct super_block {
	__u32 s_dev;           /* dev_t, kernel encoding: major << 20 | minor */
	unsigned long s_magic;
} __core;

struct inode {
	unsigned long i_ino;
	unsigned int i_nlink;
	long long i_size;
	struct super_block *i_sb;
} __core;

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
} __core;

struct vfsmount {
	struct dentry *mnt_root;
} __core;

/* fs/mount.h: the vfsmount is embedded; container_of finds its mount. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __core;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __core;

struct callback_head {
	struct callback_head *next;
	void *func;
} __core;

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_flags;
	struct callback_head f_task_work; /* queued on the task by the last fput() */
} __core;

/* fs/overlayfs/ovl_entry.h. Only present in BTF when overlayfs is built in
 * (or its module's BTF is loaded); exec.bpf.c guards every use. */
struct ovl_inode {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __core;

struct fs_struct {
	struct path root;
	struct path pwd;
} __core;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __core;

struct files_struct {
	struct fdtable *fdt;
} __core;

struct linux_binprm {
	struct file *file;     /* the file being loaded: for a script, its interpreter */
	const char *filename;  /* the name exec was asked to run */
	const char *interp;    /* == filename unless a binfmt (script, misc) substituted a file */
	int argc;
} __core;

struct trace_event_raw_sys_enter {
	long id;
	unsigned long args[6];
} __core;

struct trace_event_raw_sys_exit {
	long id;
	long ret;
} __core;

/* The task's saved user registers (bpf_task_pt_regs): syscall arguments at
 * exit. See VIGIL_SYSCALL_ARG in helpers/watch.bpf.h. */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long r10;
	unsigned long r8;
} __core;
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
	__u64 regs[31];
	__u64 orig_x0;
} __core;
#else
#error "file hooks: syscall argument registers not described for this architecture"
#endif

/* include/linux/sched.h */
#define PF_KTHREAD 0x00200000

/* include/uapi/linux/magic.h */
#define VIGIL_OVERLAYFS_MAGIC 0x794c7630
#define VIGIL_TMPFS_MAGIC 0x01021994
#define VIGIL_HUGETLBFS_MAGIC 0x958458f6
#define VIGIL_PROC_MAGIC 0x9fa0

/* include/linux/fs.h: set in f_flags of files opened by exec (open_exec). */
#define VIGIL_FMODE_EXEC 0x20

/* include/uapi/asm-generic/fcntl.h (x86 and arm64 alike) */
#define VIGIL_O_ACCMODE 00000003
#define VIGIL_O_WRONLY 00000001
#define VIGIL_O_CREAT 00000100
#define VIGIL_O_TRUNC 00001000
#define VIGIL_AT_FDCWD -100

/* include/uapi/linux/openat2.h */
struct open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

#endif /* VIGIL_CORE_H */
