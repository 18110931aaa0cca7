/**
 * Contexts and process chains for rule tests, shaped as the sensor sends
 * them on a containerd node (observed with the test harness's real
 * containerd and runc): a runtime exec's process is reparented to the shim,
 * so its chain starts at the shim just like the entrypoint's; only the pid
 * inside the container's namespace tells them apart.
 */
import type { ProcessNode__Output } from '../../proto/generated/vigil/v1/ProcessNode';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { ContainerRegistry, type ContainerFacts } from '../../controlplane/src/correlation/container-registry';
import type { DetectionContext } from '../../controlplane/src/detections/rule';
import { RuleSet } from '../../controlplane/src/detections/rule-set';
import { RULES } from '../../controlplane/src/detections/rules';
import type { RulesFile } from '../../controlplane/src/config/rules-file';
import type { IntelLookup } from '../../controlplane/src/intel/threat-intel';

export function proc(pid: number, exe: string, argv: string[] = [exe], comm = exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15)): ProcessNode__Output {
  return { pid, exe, argv, comm };
}

/** The runtime above every container process: shim, its parent shim, containerd, the node's init. */
export const RUNTIME_CHAIN: ProcessNode__Output[] = [
  proc(8933, '/usr/bin/containerd-shim-runc-v2', ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', 'a'.repeat(64)], 'containerd-shim'),
  proc(8927, '/usr/bin/containerd-shim-runc-v2', ['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io'], 'containerd-shim'),
  proc(812, '/usr/bin/containerd', ['/usr/bin/containerd'], 'containerd'),
  proc(1, '/sbin/init', ['/sbin/init'], 'systemd'),
];

/** A chain: the given processes (nearest first), then the runtime. */
export function chain(...nearest: ProcessNode__Output[]): ProcessNode__Output[] {
  return [...nearest, ...RUNTIME_CHAIN];
}

export interface ContextSpec {
  facts?: Partial<ContainerFacts>;
  intel?: IntelLookup;
  file?: RulesFile;
  /** API server endpoints the engine learned (IP:port). */
  apiServerEndpoints?: string[];
}

/** A rule's context as the engine builds it, for one event. */
export function ruleContext(s: ContextSpec = {}): DetectionContext {
  const facts = s.facts ? ({ id: 'c', container: null, initPid: 0, initExecs: [], fetches: [], tokenReaders: new Set(), ...s.facts } as unknown as ContainerFacts) : undefined;
  return {
    node: 'node-1',
    lists: RuleSet.build(RULES, s.file).lists,
    intel: s.intel ?? { lookup: () => undefined },
    apiServerEndpoints: new Set(s.apiServerEndpoints),
    container: () => facts,
  };
}

/** A context whose container facts come from replaying `events` through a real registry, as the engine does. */
export function contextAfter(events: Event__Output[], current: Event__Output, s: Omit<ContextSpec, 'facts'> = {}): DetectionContext {
  const registry = new ContainerRegistry();
  let t = 1_000_000;
  for (const ev of [...events, current]) registry.observe(ev, (t += 1000));
  return { ...ruleContext(s), container: () => registry.get(current.container?.id ?? '') };
}
