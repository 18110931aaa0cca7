/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of every record the BPF programs write into the ring
 * buffer. It is compiled by clang for BPF and by g++ for the addon, so the two
 * can never disagree about a byte: the size/offset asserts at the bottom fail
 * the build of both sides when a field moves.
 *
 * Wire rules: fixed-width types and fixed arrays only, explicit padding, no
 * `packed` (it makes the BPF side write byte by byte). Every record starts
 * with `struct vigil_hdr`; user space dispatches on `type` and checks `size`
 * before it reads the body. The TypeScript decoder takes its offsets from the
 * addon (see native/addon/layout.cc), which takes them from this file.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Bump whenever a layout below changes; the addon refuses a BPF object that
 * was built against another version (a stale .bpf.o fails with a sentence). */
#define VIGIL_SCHEMA_VERSION 4

#define VIGIL_COMM_LEN 16
/* A container id is 64 hex chars; systemd scopes wrap it, e.g.
 * "cri-containerd-<64 hex>.scope" is 85 bytes, so 65 is not enough. */
#define VIGIL_CGROUP_NAME_LEN 128
#define VIGIL_FILENAME_LEN 512
/* Power of two so the verifier can bound reads with a mask. */
#define VIGIL_ARGS_LEN 4096
#define VIGIL_PATH_LEN 256
#define VIGIL_FSTYPE_LEN 32
/* sizeof(struct sockaddr_un); large enough for in, in6 and un. */
#define VIGIL_SOCKADDR_LEN 112
/* Bound on an executed file's dentry name kept in the record. */
#define VIGIL_DNAME_LEN 64

enum vigil_event_type {
	VIGIL_EVENT_UNSPECIFIED = 0,
	VIGIL_EVENT_EXEC = 1,
	VIGIL_EVENT_FORK = 2,
	VIGIL_EVENT_EXIT = 3,
	VIGIL_EVENT_CONNECT = 4,
	VIGIL_EVENT_MOUNT = 5,
	/* 6..8 are EventType values user space makes (loss, container started
	 * and exited): the kernel never writes them, their counter rows stay 0. */
	VIGIL_EVENT_FILE = 9,
	VIGIL_EVENT_TYPE_MAX = 10,
};

/* What became of a hook's call; indexes the per-CPU counters (maps.bpf.h). */
enum vigil_counter {
	VIGIL_CNT_EMITTED = 0,      /* record submitted to the ring buffer */
	VIGIL_CNT_RINGBUF_FULL = 1, /* lost: bpf_ringbuf_reserve failed */
	VIGIL_CNT_PENDING_FULL = 2, /* lost: enter/exit pairing map was full */
	VIGIL_CNT_FILTERED = 3,     /* not a loss: the watch table did not match the call */
	VIGIL_CNT_UNRESOLVED = 4,   /* lost: the call's real path could not be worked out (too deep or long) */
	VIGIL_CNT_MAX = 5,
};

/* One per-CPU slot of the counters map, indexed by enum vigil_counter. */
struct vigil_counters {
	__u64 n[VIGIL_CNT_MAX];
};

/* Which mount-family syscall a mount record describes. */
enum vigil_mount_call {
	VIGIL_MOUNT_CALL_MOUNT = 1,      /* mount(2) */
	VIGIL_MOUNT_CALL_MOVE_MOUNT = 2, /* move_mount(2): attaches a detached tree */
	VIGIL_MOUNT_CALL_FSMOUNT = 3,    /* fsmount(2): result is the mount fd */
};

/* The syscall a file record describes. */
enum vigil_file_call {
	VIGIL_FILE_OPEN = 1,
	VIGIL_FILE_OPENAT = 2,
	VIGIL_FILE_OPENAT2 = 3,
	VIGIL_FILE_CREAT = 4,
	VIGIL_FILE_OPEN_BY_HANDLE_AT = 5,
	VIGIL_FILE_UNLINK = 6,
	VIGIL_FILE_UNLINKAT = 7,
	VIGIL_FILE_TRUNCATE = 8,
	VIGIL_FILE_FTRUNCATE = 9,
	VIGIL_FILE_RENAME = 10,
	VIGIL_FILE_RENAMEAT = 11,
	VIGIL_FILE_RENAMEAT2 = 12,
	VIGIL_FILE_LINK = 13,
	VIGIL_FILE_LINKAT = 14,
	VIGIL_FILE_SYMLINK = 15,
	VIGIL_FILE_SYMLINKAT = 16,
};

/* What a call does to a watched path. A watch entry lists the ones it
 * reports; a record carries the one that matched. */
#define VIGIL_ACCESS_READ 0x1     /* opened without write access (O_RDONLY, O_PATH) */
#define VIGIL_ACCESS_WRITE 0x2    /* opened for writing, or created, without truncation */
#define VIGIL_ACCESS_TRUNCATE 0x4 /* O_TRUNC, creat(2), truncate(2), ftruncate(2) */
#define VIGIL_ACCESS_DELETE 0x8   /* unlinked, or renamed away */
#define VIGIL_ACCESS_REPLACE 0x10 /* renamed or linked onto: the path now names another file */
#define VIGIL_ACCESS_LINK 0x20    /* a hard or symbolic link made to the path */

/* How a file record's path was worked out. */
enum vigil_resolution {
	VIGIL_RESOLVED_AS_GIVEN = 1, /* the caller's absolute, canonical name, as spelled */
	VIGIL_RESOLVED_FILE = 2,     /* the opened file's dentries, up to the task's root */
	VIGIL_RESOLVED_LEXICAL = 3,  /* cwd or dirfd's path + the name, with //, . and .. folded */
};

/*
 * The watch table: path prefixes held in an LPM trie. The key's data is
 * [generation][table][path bytes]: generation lets user space replace the
 * whole table at once (fill the next generation, switch, delete the old),
 * table 0 holds whole prefixes and table t > 0 the tails that follow the
 * one-component wildcard of a head whose value says tail = t.
 */
#define VIGIL_WATCH_PATH_LEN 254 /* LPM keys hold at most 256 data bytes */
/* The first filter: one bit per pair of bytes that follow a name's leading
 * '/', set for every pair a pattern starts with. A name whose pair is clear
 * cannot match as spelled, so the trie is not consulted. */
#define VIGIL_WATCH_PAIR_WORDS (65536 / 64)
#define VIGIL_WATCH_MAX_PATTERNS 256
#define VIGIL_WATCH_NO_ENTRY 0xffff

struct vigil_watch_key {
	__u32 prefixlen; /* bits: 16 for generation and table, 8 per path byte */
	__u8 gen;
	__u8 table;
	char path[VIGIL_WATCH_PATH_LEN];
};

enum vigil_watch_kind {
	VIGIL_WATCH_MATCH = 1,   /* a watched prefix (or wildcard head) */
	VIGIL_WATCH_RESOLVE = 2, /* not watched, but names reach other files through it (/proc/<pid>/root, /dev/fd): resolve the real path */
};

struct vigil_watch_value {
	__u16 entry;    /* index of the pattern in user space's table, or VIGIL_WATCH_NO_ENTRY */
	__u8 kind;      /* enum vigil_watch_kind */
	__u8 tail;      /* table of the tails after this head's wildcard component, 0: none */
	__u16 head_len; /* bytes of this prefix (for a head: where its wildcard component starts) */
	__u16 access;   /* VIGIL_ACCESS_* this entry reports */
};

struct vigil_hdr {
	__u16 type;    /* enum vigil_event_type */
	__u16 version; /* VIGIL_SCHEMA_VERSION */
	__u32 size;    /* bytes of the whole record, header included */
	__u64 boot_ns; /* bpf_ktime_get_boot_ns(): monotonic, counts suspend */
	__u32 pid;     /* thread id (kernel pid) */
	__u32 tgid;    /* process id (kernel tgid) */
	__u32 ppid;    /* tgid of real_parent */
	__u32 uid;     /* real uid */
	__u32 gid;     /* real gid */
	__u32 mnt_ns;  /* mount namespace inode */
	__u32 pid_ns;  /* active pid namespace inode */
	__u32 net_ns;  /* network namespace inode */
	__u64 cgroup_id; /* cgroup2 inode, bpf_get_current_cgroup_id() */
	__u32 ns_pid;  /* tgid as seen in the task's own pid namespace: 1 is a container's init */
	__u32 pad0;
	char comm[VIGIL_COMM_LEN];
	/* kernfs name of the task's leaf cgroup2 directory: the container id,
	 * or a scope wrapping it. NUL-terminated. */
	char cgroup_name[VIGIL_CGROUP_NAME_LEN];
};

#define VIGIL_EXEC_ARGS_TRUNCATED 0x1
#define VIGIL_EXEC_FILENAME_TRUNCATED 0x2
/* A binfmt handler (#! script, binfmt_misc) substituted an interpreter:
 * interp names it, and `binary` describes it rather than the named file. */
#define VIGIL_EXEC_INTERPRETED 0x4

/* vigil_exe_file.flags */
#define VIGIL_EXE_PRESENT 0x1         /* the slot describes a file */
#define VIGIL_EXE_OVERLAY 0x2         /* the file is on overlayfs */
#define VIGIL_EXE_UPPER 0x4           /* ...and has an upper-layer inode: created or copied up after the mount */
#define VIGIL_EXE_LAYER_UNREADABLE 0x8 /* ...but its overlay inode could not be read */
#define VIGIL_EXE_MEMFD 0x10          /* an unlinked shmem/hugetlbfs file named "memfd:...": memfd_create(2) */

/* What the kernel holds about one executed file: its inode and superblock,
 * which no rename or path spelling changes. */
struct vigil_exe_file {
	__u64 ino;     /* inode number (on overlayfs: the overlay inode's) */
	__u64 size;    /* i_size in bytes */
	__u32 dev;     /* superblock s_dev, kernel encoding: major << 20 | minor */
	__u32 nlink;   /* hard links; 0 = unlinked while still open (deleted, memfd) */
	__u32 flags;   /* VIGIL_EXE_* */
	__u32 pad;
	char name[VIGIL_DNAME_LEN]; /* dentry name, NUL-terminated, may be cut */
};

struct vigil_exec {
	struct vigil_hdr hdr;
	__u32 euid;
	__u32 flags;      /* VIGIL_EXEC_* */
	__u64 cap_effective;
	__u32 has_tty;    /* 1 when the process has a controlling terminal */
	__u32 args_len;   /* bytes used in args: NUL-separated argv */
	__u32 argc;       /* number of arguments the kernel saw (not just copied) */
	__u32 pad;
	struct vigil_exe_file binary; /* bprm->file: the file the kernel loaded */
	struct vigil_exe_file script; /* for VIGIL_EXEC_INTERPRETED: the file exec was asked to run */
	char parent_comm[VIGIL_COMM_LEN];
	char filename[VIGIL_FILENAME_LEN];
	char interp[VIGIL_PATH_LEN];  /* bprm->interp for VIGIL_EXEC_INTERPRETED, else empty */
	char args[VIGIL_ARGS_LEN];
};

struct vigil_fork {
	struct vigil_hdr hdr; /* describes the parent */
	__u32 child_pid;
	__u32 child_tgid;
};

struct vigil_exit {
	struct vigil_hdr hdr;
	__s32 exit_code;   /* wait(2) status: code << 8 | signal */
	__u32 pad;
};

struct vigil_connect {
	struct vigil_hdr hdr;
	__s32 result;    /* syscall return: 0 or -errno (e.g. -ECONNREFUSED) */
	__s32 fd;
	__u32 addr_len;  /* the length user space passed, clamped to the buffer */
	__u32 pad;
	/* Raw sockaddr as passed by the caller: family first, network order. */
	__u8 addr[VIGIL_SOCKADDR_LEN];
};

struct vigil_mount {
	struct vigil_hdr hdr;
	__s32 result;    /* 0 / new fd, or -errno */
	__u32 call;      /* enum vigil_mount_call */
	__u64 flags;     /* mount(2) flags, move_mount(2) flags, fsmount(2) flags */
	__s32 fd;        /* fsmount: fs fd; move_mount: from_dfd */
	__u32 pad;
	char source[VIGIL_PATH_LEN];
	char target[VIGIL_PATH_LEN];
	char fstype[VIGIL_FSTYPE_LEN];
};

/* A call on a watched path, reported once it returned. */
struct vigil_file {
	struct vigil_hdr hdr;
	__s32 result;     /* fd or 0 on success, -errno on failure */
	__u16 call;       /* enum vigil_file_call */
	__u16 entry;      /* index of the matched pattern in watch table generation `gen` */
	__u32 flags;      /* open flags; unlinkat/renameat2/linkat flags */
	__s32 dirfd;      /* directory fd the matched name was relative to (AT_FDCWD = -100) */
	__u8 gen;         /* watch table generation that matched */
	__u8 resolution;  /* enum vigil_resolution */
	__u8 access;      /* the VIGIL_ACCESS_* bit that matched */
	__u8 truncated;   /* 1 when path was cut at VIGIL_PATH_LEN */
	__u32 pad;
	char path[VIGIL_PATH_LEN];  /* the watched path as it matched, absolute */
	char name[VIGIL_PATH_LEN];  /* the name argument the match came from, as passed */
	char other[VIGIL_PATH_LEN]; /* rename/link/symlink: the other name, as passed */
};

/* Layout locks, checked by both compilers. */
#ifdef __cplusplus
#define VIGIL_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define VIGIL_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
VIGIL_ASSERT(sizeof(struct vigil_hdr) == 208, "vigil_hdr layout changed: bump VIGIL_SCHEMA_VERSION");
VIGIL_ASSERT(sizeof(struct vigil_exe_file) == 96, "vigil_exe_file layout changed");
VIGIL_ASSERT(sizeof(struct vigil_exec) % 8 == 0, "vigil_exec must stay 8-byte aligned");
VIGIL_ASSERT(sizeof(struct vigil_fork) == 216, "vigil_fork layout changed");
VIGIL_ASSERT(sizeof(struct vigil_exit) == 216, "vigil_exit layout changed");
VIGIL_ASSERT(sizeof(struct vigil_connect) == 336, "vigil_connect layout changed");
VIGIL_ASSERT(sizeof(struct vigil_mount) == 776, "vigil_mount layout changed");
VIGIL_ASSERT(sizeof(struct vigil_file) == 1000, "vigil_file layout changed");
VIGIL_ASSERT(sizeof(struct vigil_watch_key) == 4 + 2 + VIGIL_WATCH_PATH_LEN, "LPM key: prefixlen then data, no padding");
VIGIL_ASSERT(sizeof(struct vigil_watch_value) == 8, "vigil_watch_value layout changed");

#endif /* VIGIL_EVENT_H */
