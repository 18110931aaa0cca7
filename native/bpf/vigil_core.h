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
} __core;

struct linux_binprm {
	const char *filename;
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

/* include/linux/sched.h */
#define PF_KTHREAD 0x00200000

#endif /* VIGIL_CORE_H */
