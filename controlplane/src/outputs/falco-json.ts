/**
 * A Vigil alert in the shape Falco posts to its HTTP output, which
 * falcosidekick takes as its input: so every destination falcosidekick
 * forwards to works unchanged. Falco's own field names where one means the
 * same thing (container.id is the short id, as Falco prints it), Vigil's
 * extras under `vigil.`. Pure: no I/O.
 */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';

/** Falco's priorities, most severe first. */
export type FalcoPriority = 'Emergency' | 'Alert' | 'Critical' | 'Error' | 'Warning' | 'Notice' | 'Informational' | 'Debug';

/** Vigil has five severities; Falco's top two (Emergency, Alert) are for the system itself being unusable, which no single detection says. */
const PRIORITY: Record<string, FalcoPriority> = {
  SEVERITY_CRITICAL: 'Critical',
  SEVERITY_HIGH: 'Error',
  SEVERITY_MEDIUM: 'Warning',
  SEVERITY_LOW: 'Notice',
  SEVERITY_INFO: 'Informational',
  SEVERITY_UNSPECIFIED: 'Debug',
};

export function falcoPriority(severity: string): FalcoPriority {
  return PRIORITY[severity] ?? 'Debug';
}

export interface FalcoPayload {
  output: string;
  priority: FalcoPriority;
  rule: string;
  time: string;
  output_fields: Record<string, string | number | boolean | string[]>;
  source: 'syscall' | 'k8s_audit';
  tags: string[];
  hostname: string;
}

/** RFC 3339 with all nine digits of a nanosecond time (Date keeps only milliseconds). */
export function rfc3339Nano(unixNano: string): string {
  const ns = BigInt(unixNano || '0');
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Falco's evt.time: the time of day with nanoseconds. */
function timeOfDay(rfc3339: string): string {
  return rfc3339.slice(11, -1);
}

function snake(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

export function toFalcoPayload(a: Alert__Output): FalcoPayload {
  const time = rfc3339Nano(a.first_seen_unix_nano);
  const priority = falcoPriority(a.severity);
  const ev = a.evidence?.event;
  const audit = a.evidence?.audit;
  const container = a.evidence?.container ?? ev?.container;
  const fields: FalcoPayload['output_fields'] = { 'evt.time': timeOfDay(time) };
  const set = (key: string, value: string | number | boolean | string[] | undefined | null) => {
    if (value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0)) fields[key] = value;
  };
  if (a.container_id) {
    set('container.id', a.container_id.slice(0, 12));
    set('container.full_id', a.container_id);
  }
  set('container.name', container?.name);
  set('container.image', container?.image);
  set('k8s.ns.name', a.namespace);
  set('k8s.pod.name', a.pod);
  set('k8s.pod.uid', a.pod_uid);
  if (ev?.process) {
    const argv = ev.exec?.argv.length ? ev.exec.argv : ev.process.argv;
    set('proc.pid', ev.process.pid);
    set('proc.ppid', ev.process.ppid);
    set('proc.name', ev.process.comm);
    set('proc.exepath', ev.exec?.filename || ev.process.exe);
    set('proc.cmdline', argv.length ? [ev.process.comm, ...argv.slice(1)].join(' ') : undefined);
    set('proc.pname', ev.exec?.parent_comm || ev.ancestry[0]?.comm);
    set('user.uid', ev.process.uid);
    set('evt.type', ev.body);
  }
  if (audit) {
    set('ka.auditid', audit.audit_id);
    set('ka.verb', audit.verb);
    set('ka.user.name', audit.username);
    set('ka.user.groups', audit.groups);
    set('ka.target.resource', audit.resource);
    set('ka.target.subresource', audit.subresource);
    set('ka.target.namespace', audit.namespace);
    set('ka.target.name', audit.name);
    set('ka.uri', audit.request_uri);
    set('ka.useragent', audit.user_agent);
    set('ka.sourceips', audit.source_ips);
    set('ka.response.code', audit.response_code || undefined);
  }
  // The rule's own evidence first, so that it can never hide the alert's identity below.
  for (const [k, v] of Object.entries(a.evidence?.fields ?? {})) set(`vigil.${k}`, v);
  set('vigil.alert_id', a.id);
  set('vigil.rule_id', a.rule_id);
  set('vigil.rule_version', a.rule_version);
  set('vigil.node', a.node_name);
  set('vigil.count', a.count);
  set('vigil.mitre.id', a.mitre?.id);
  set('vigil.mitre.tactic', a.mitre?.tactic);
  const tags = ['vigil'];
  if (a.mitre?.id) tags.push(a.mitre.id);
  if (a.mitre?.tactic) tags.push(`mitre_${snake(a.mitre.tactic)}`);
  return {
    output: `${timeOfDay(time)}: ${priority} ${a.summary}`,
    priority,
    rule: a.title,
    time,
    output_fields: fields,
    source: audit ? 'k8s_audit' : 'syscall',
    tags,
    hostname: a.node_name,
  };
}
