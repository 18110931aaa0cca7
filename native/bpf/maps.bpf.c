/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The definitions behind the extern declarations of maps.bpf.h. */
#include "maps.bpf.h"

const volatile __u32 vigil_schema_version = VIGIL_SCHEMA_VERSION;
const volatile __u32 vigil_self_tgid = 0;
const volatile __u64 vigil_wakeup_bytes = 0;
__u32 vigil_watch_gen = 0;
__u64 vigil_watch_pairs[2][VIGIL_WATCH_PAIR_WORDS];

struct vigil_events_map vigil_events SEC(".maps");
struct vigil_counters_map vigil_counters SEC(".maps");
struct vigil_pending_connect_map vigil_pending_connect SEC(".maps");
struct vigil_pending_mount_map vigil_pending_mount SEC(".maps");
struct vigil_watch_map vigil_watch SEC(".maps");
struct vigil_path_scratch_map vigil_path_scratch SEC(".maps");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
