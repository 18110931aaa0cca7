import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { DetectionContext, Finding, HostRule } from '../rule';
import { commandLine, imageIn, inContainer, isContainerInit, plainAddress, programOf, scriptOneLiner } from '../facts';

/** What a hand-made API request carries: the mounted token, the API's address or paths. */
const TOKEN_PATH = /\/(var\/)?run\/secrets\/kubernetes\.io\/serviceaccount\b/;
const API_REFERENCE = /https?:\/\/(kubernetes(\.default)?(\.svc)?(\.cluster\.local)?|\$\{?KUBERNETES_SERVICE_HOST)|\/api\/v1\/|\/apis\/[a-z0-9.-]+\/v1|KUBERNETES_SERVICE_HOST/;

/** The API server endpoints this container may reach: its environment's `kubernetes` Service, and the configured ones. */
function isApiServer(address: string, port: number, ctx: DetectionContext): boolean {
  const endpoint = `${address.includes(':') ? `[${address}]` : address}:${port}`;
  return ctx.container()?.details?.kubernetes_service === endpoint || ctx.lists.apiserver_endpoints.has(endpoint);
}

function onConnect(ev: Event__Output, ctx: DetectionContext): Finding | null {
  const dest = ev.connect!.destination;
  if (!dest || (dest.family !== 'FAMILY_INET' && dest.family !== 'FAMILY_INET6')) return null;
  const address = plainAddress(dest.address);
  if (!isApiServer(address, dest.port, ctx)) return null;
  const facts = ctx.container();
  const p = programOf(ev);
  // The image's own program (what its entrypoint runs) is its controller; anything else is a visitor.
  if (isContainerInit(ev, facts) || facts?.initExes.has(p.exe)) return null;
  return {
    summary: `${p.exe || p.comm} (pid ${ev.process?.pid}), not the program of image ${ev.container!.image || '(unknown)'}, connected to the API server at ${address}:${dest.port} from container ${ev.container!.name || ev.container!.id.slice(0, 12)}`,
    fields: { destination: `${address}:${dest.port}`, process: p.exe || p.comm, command_line: p.argv.join(' '), image_programs: [...(facts?.initExes ?? [])].join(',') },
    key: `connect>${p.exe || p.comm}`,
  };
}

function onExec(ev: Event__Output, ctx: DetectionContext): Finding | null {
  const p = programOf(ev);
  const line = commandLine(ev);
  const byTool = p.in(ctx.lists.download_tools) || p.in(ctx.lists.network_tools) || p.in(ctx.lists.shells) || scriptOneLiner(p, ctx.lists) !== undefined;
  if (!byTool || !(TOKEN_PATH.test(line) || API_REFERENCE.test(line))) return null;
  return {
    summary: `${ev.exec!.filename} in container ${ev.container!.name || ev.container!.id.slice(0, 12)} ${TOKEN_PATH.test(line) ? 'used the service-account token' : 'called the API server'}: ${line}`,
    fields: { process: ev.exec!.filename, command_line: line, token: String(TOKEN_PATH.test(line)) },
  };
}

export const apiServerAccessFromContainer: HostRule = {
  id: 'api-server-access-from-container',
  version: 1,
  title: 'Kubernetes API server reached from a container by an unexpected program',
  description:
    'A process in a container connected to the Kubernetes API server (the `kubernetes` Service address its ' +
    'environment names, or an endpoint listed in `apiserver_endpoints`) although it is not the program the image ' +
    'runs (its entrypoint and what that execs into); or curl, wget, a shell or an interpreter one-liner was run ' +
    'with the pod\'s service-account token or the API\'s address. An attacker in a pod uses the mounted token to ' +
    'enumerate and attack the cluster: secrets, pods/exec, new privileged pods. An operator or controller talking to ' +
    'the API is its image\'s own program and is not raised. Known benign: images whose helper processes call the API ' +
    '(list them in `api_client_images` or as exceptions), debugging sessions. Triage: the process and its ancestry, ' +
    'the service account\'s rights (kubectl auth can-i --list --as=system:serviceaccount:NS:SA), and the audit log ' +
    'for requests from that account at that time.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1613', name: 'Container and Resource Discovery', tactic: 'Discovery' },
  sources: ['connect', 'exec'],
  match(ev, ctx) {
    if (!inContainer(ev) || imageIn(ev.container!.image, ctx.lists.api_client_images)) return null;
    return ev.connect ? onConnect(ev, ctx) : ev.exec ? onExec(ev, ctx) : null;
  },
};
