import type { HostRule } from '../rule';
import { basename, commandLine, imageIn, inContainer, isContainerInit, programOf } from '../facts';

export const clusterClientInContainer: HostRule = {
  id: 'cluster-client-in-container',
  version: 1,
  title: 'Kubernetes or container runtime client run in a container',
  description:
    'kubectl, helm, oc, crictl, ctr, docker, nerdctl or podman ran inside a container, other than as the ' +
    'container\'s own entrypoint. From a workload these reach for the cluster (with the pod\'s service-account ' +
    'token) or for the node\'s container runtime (through a mounted socket): enumeration, new privileged pods, exec ' +
    'into neighbours. They rarely ship in application images; an attacker downloads them. Known benign: Jobs and ' +
    'CI images whose entrypoint is kubectl or helm (not raised: the entrypoint is the image\'s own program), ' +
    'operators that shell out to kubectl (list them in `api_client_images`). Triage: the command line, the service ' +
    'account\'s rights, mounted runtime sockets (sensitive-host-mount-started), and where the binary came from.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1609', name: 'Container Administration Command', tactic: 'Execution' },
  sources: ['exec'],
  match(ev, ctx) {
    if (!inContainer(ev)) return null;
    const p = programOf(ev);
    if (!p.in(ctx.lists.k8s_clients)) return null;
    const facts = ctx.container();
    if (isContainerInit(ev.process!.pid, ev.process!.ns_pid, facts) || imageIn(ev.container!.image, ctx.lists.api_client_images) || imageIn(ev.container!.image, ctx.lists.build_images)) return null;
    return {
      summary: `${basename(p.exe)} run in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'}): ${commandLine(ev)}`,
      fields: { client: basename(p.exe), command_line: commandLine(ev) },
    };
  },
};
