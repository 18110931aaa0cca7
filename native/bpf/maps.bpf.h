/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every map and load-time knob of the Vigil BPF object, and who touches it.
 * Each hook file is compiled on its own and the objects are linked into one
 * (bpftool gen object); maps.bpf.c holds the definitions, this header the
 * extern declarations, so there is exactly one ring buffer.
 */
#ifndef VIGIL_MAPS_BPF_H
#define VIGIL_MAPS_BPF_H

#include "vigil_core.h"
#include <bpf/bpf_helpers.h>
#include "../include/vigil_event.h"

/* Read-only knobs, written by the addon into .rodata before load. */
extern const volatile __u32 vigil_schema_version;
/* tgid of the sensor itself: its own exec/connect/mount are not reported,
 * so the sensor never feeds on its own activity. 0 disables the filter. */
extern const volatile __u32 vigil_self_tgid;
/* Unread bytes in the ring at which a submit wakes the reader at once. */
extern const volatile __u64 vigil_wakeup_bytes;

/* Written by every hook, drained by the addon's poll thread. The addon sets
 * its size before load (option ringBytes); the default of 8 MiB holds ~1,700
 * exec or ~40,000 fork records while user space is busy. */
struct vigil_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
};
extern struct vigil_events_map vigil_events SEC(".maps");

/* Per-CPU counters, [event type][enum vigil_counter], incremented by the
 * hooks, summed by the addon: a lost record is always counted. */
struct vigil_counters_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_EVENT_TYPE_MAX);
	__type(key, __u32);
	__type(value, struct vigil_counters);
};
extern struct vigil_counters_map vigil_counters SEC(".maps");

/* Arguments saved at syscall entry, keyed by thread id, consumed at exit so
 * the record carries the result. One slot per thread in a syscall at once:
 * 16384 covers far more concurrent connect/mount callers than a node has. */
struct vigil_pending_connect {
	__s32 fd;
	__u32 addr_len;
	__u64 addr; /* user pointer to the sockaddr */
};
struct vigil_pending_connect_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct vigil_pending_connect);
};
extern struct vigil_pending_connect_map vigil_pending_connect SEC(".maps");

struct vigil_pending_mount {
	__u32 call; /* enum vigil_mount_call */
	__s32 fd;
	__u64 flags;
	__u64 source; /* user pointers, read at exit while still valid */
	__u64 target;
	__u64 fstype;
};
struct vigil_pending_mount_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct vigil_pending_mount);
};
extern struct vigil_pending_mount_map vigil_pending_mount SEC(".maps");

/* The watch table (vigil_event.h), written by the addon: at start before
 * the programs attach, and on every replacement. Patterns are bounded by
 * VIGIL_WATCH_MAX_PATTERNS; each adds at most a head and a tail key, plus
 * a few internal resolve prefixes, and two generations coexist while a
 * replacement switches over: 2 * (2 * 256 + 16) = 1056. */
struct vigil_watch_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * (2 * VIGIL_WATCH_MAX_PATTERNS + 16));
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required for LPM tries */
	__type(key, struct vigil_watch_key);
	__type(value, struct vigil_watch_value);
};
extern struct vigil_watch_map vigil_watch SEC(".maps");

/* The watch table generation the hooks look up, switched by the addon
 * (through the skeleton's mmap of .bss) once a new generation is complete. */
extern __u32 vigil_watch_gen;

/* The pair bitmap (VIGIL_WATCH_PAIR_WORDS) of each generation, by parity:
 * the addon fills the next generation's before it switches. */
extern __u64 vigil_watch_pairs[2][VIGIL_WATCH_PAIR_WORDS];

/* Per-CPU scratch for the file hooks: names and paths are too large for the
 * 512-byte BPF stack. A tracepoint program runs to completion on one CPU,
 * so one slot per CPU is never shared. The walk buffer is twice the longest
 * path it builds, so every masked offset plus a name's length stays inside. */
#define VIGIL_WALK_LEN 1024
#define VIGIL_WALK_DEPTH 32
struct vigil_path_scratch {
	struct vigil_watch_key key;      /* what is looked up: the name, then its resolved path */
	struct vigil_watch_key tail;     /* a wildcard's tail lookup */
	char name[VIGIL_PATH_LEN];       /* the name argument, kept while key is rebuilt */
	/* Loop state of the path walk and the folding, kept here rather than in
	 * registers: reloaded each iteration it is unknown to the verifier, so
	 * iterations that differ only in it are pruned instead of explored. */
	__u64 pos, w, mark, depth, end;
	__u32 marks[VIGIL_WALK_DEPTH];   /* lexical folding: where each kept component starts */
	char walk[2 * VIGIL_WALK_LEN];   /* a dentry walk writes its path backwards, ending at VIGIL_WALK_LEN */
};
struct vigil_path_scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_path_scratch);
};
extern struct vigil_path_scratch_map vigil_path_scratch SEC(".maps");

#endif /* VIGIL_MAPS_BPF_H */
