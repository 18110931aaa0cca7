import { listItems } from '../lists';
import type { AuditRule } from '../rule';
import { actor, asArray, asObject, asString, containersOf, describeWrite, did, podSpecWrite, podSubject, podTarget } from '../../audit/k8s-objects';

export function dangerousCapabilities(): readonly string[] {
  return listItems('dangerous_capabilities');
}

/** As the runtime reads it: case-insensitive, with or without CAP_. */
const normalizeCapability = (c: string) => c.trim().toUpperCase().replace(/^CAP_/, '');

export const k8sDangerousCapabilities: AuditRule = {
  id: 'k8s-dangerous-capabilities',
  version: 1,
  title: 'Container given dangerous capabilities',
  description:
    'A Pod, workload template or ephemeral container adds Linux capabilities that reach past the container: ' +
    'SYS_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, BPF, PERFMON, NET_ADMIN, DAC_READ_SEARCH and the like, or ALL. ' +
    'With them a process can mount the host\'s disks, load a kernel module, inject into processes of other ' +
    'containers, or rewrite the node\'s network: not privileged in name, nearly so in effect. Names are compared ' +
    'the way the runtime reads them (sys_admin and CAP_SYS_ADMIN count). Known benign: CNI plugins and VPN ' +
    'sidecars (NET_ADMIN), profilers and eBPF agents (BPF, PERFMON, SYS_PTRACE); except them by image. Triage: ' +
    'which capability, which image, and whether the workload\'s job needs it.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const w = podSpecWrite(ev);
    if (!w) return null;
    const dangerous = new Set(dangerousCapabilities());
    const found = containersOf(w.spec)
      .map((c) => ({ c, caps: asArray(asObject(asObject(c.securityContext)?.capabilities)?.add).map((x) => normalizeCapability(asString(x))).filter((x) => dangerous.has(x)) }))
      .filter((f) => f.caps.length > 0);
    if (found.length === 0) return null;
    const caps = [...new Set(found.flatMap((f) => f.caps))].sort();
    const names = found.map((f) => asString(f.c.name) || '?');
    return {
      summary: `${actor(record)} ${did(ev.verb)} ${describeWrite(w)} adding ${caps.join(', ')} to ${names.join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, capabilities: caps.join(','), containers: names.join(',') },
      subject: podSubject(w, found.map((f) => f.c)),
    };
  },
};
