/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reserve, count and submit: the only way a hook writes a record, so that
 * every record is either counted as emitted or counted as lost. */
#ifndef VIGIL_EMIT_BPF_H
#define VIGIL_EMIT_BPF_H

#include "../maps.bpf.h"

static __always_inline void vigil_count(__u32 type, __u32 counter)
{
	struct vigil_counters *c = bpf_map_lookup_elem(&vigil_counters, &type);

	/* Per-CPU slot and tracing programs do not migrate: no atomic needed. */
	if (c && counter < VIGIL_CNT_MAX)
		c->n[counter]++;
}

/* True for the sensor's own process, whose activity must not be reported. */
static __always_inline int vigil_is_self(__u32 tgid)
{
	return vigil_self_tgid != 0 && tgid == vigil_self_tgid;
}

static __always_inline void *vigil_reserve(__u32 type, __u64 size)
{
	void *rec = bpf_ringbuf_reserve(&vigil_events, size, 0);

	if (!rec)
		vigil_count(type, VIGIL_CNT_RINGBUF_FULL);
	return rec;
}

/* Waking the reader costs the producer an irq_work per record; the reader
 * polls on a short timer anyway, so it is woken only once a backlog builds
 * up (vigil_wakeup_bytes, set by the addon), which bounds the latency at the
 * poll interval without paying a wakeup per event. */
static __always_inline void vigil_submit(void *rec, __u32 type)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&vigil_events, BPF_RB_AVAIL_DATA) >= vigil_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	vigil_count(type, VIGIL_CNT_EMITTED);
	bpf_ringbuf_submit(rec, flags);
}

#endif /* VIGIL_EMIT_BPF_H */
