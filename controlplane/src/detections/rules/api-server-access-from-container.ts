import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { ContainerFacts } from '../../correlation/container-registry';
import type { DetectionContext, Finding, HostRule } from '../rule';
import type { Lists } from '../lists';
import { ancestorsOf, commandLine, imageIn, inContainer, isContainerInit, plainAddress, programOf, scriptOneLiner, type Program } from '../facts';
import { runsImageProgram } from '../workload-facts';
import { shellOrigin } from './shell-in-container';
import { formatHostPort } from '../../../../proto/host-port';

/** The mounted service-account token (any spelling of its directory: /var/run, /run, a glob). */
const TOKEN_PATH = /\/run\/secrets\/kubernetes\.io\//;
/** The API's name as pods reach it: the Service's DNS names, the variables the kubelet sets. */
const API_NAME = /\bkubernetes\.default\b|\/\/kubernetes(?![\w.-])|\$\{?KUBERNETES_(SERVICE_HOST|PORT)/;

/** The API server endpoints this container may reach: its environment's `kubernetes` Service, the configured and the learned ones. */
function isApiServer(endpoint: string, facts: ContainerFacts | undefined, ctx: DetectionContext): boolean {
  return facts?.details?.kubernetes_service === endpoint || ctx.lists.apiserver_endpoints.has(endpoint) || ctx.apiServerEndpoints.has(endpoint);
}

/** Whether an exec's command line names one of those addresses in a URL (https://10.96.0.1/api). */
function namesApiAddress(ev: Event__Output, facts: ContainerFacts | undefined, ctx: DetectionContext): boolean {
  const service = facts?.details?.kubernetes_service ?? '';
  if (!service && ctx.lists.apiserver_endpoints.size === 0 && ctx.apiServerEndpoints.size === 0) return false;
  const line = commandLine(ev);
  const named = (e: string) => e !== '' && line.includes(`//${e.slice(0, e.lastIndexOf(':'))}`);
  if (named(service)) return true;
  for (const e of ctx.lists.apiserver_endpoints) if (named(e)) return true;
  for (const e of ctx.apiServerEndpoints) if (named(e)) return true;
  return false;
}

function onConnect(ev: Event__Output, ctx: DetectionContext): Finding | null {
  const dest = ev.connect!.destination;
  if (!dest || (dest.family !== 'FAMILY_INET' && dest.family !== 'FAMILY_INET6')) return null;
  const address = plainAddress(dest.address);
  const facts = ctx.container();
  if (!isApiServer(formatHostPort(address, dest.port), facts, ctx)) return null;
  const p = programOf(ev);
  // The image's own program (what its entrypoint runs) is its controller; anything else is a visitor.
  if (isContainerInit(ev, facts) || runsImageProgram(p, facts)) return null;
  // The token read just before, by this process or the shell around it (service-account-token-read saw it).
  const pid = ev.process?.pid ?? 0;
  const withToken = [pid, ev.process?.ppid ?? 0].some((reader) => facts?.tokenReaders.has(reader));
  return {
    summary: `${p.exe || p.comm} (pid ${pid}), not the program of image ${ev.container!.image || '(unknown)'}, connected to the API server at ${address}:${dest.port} from container ${ev.container!.name || ev.container!.id.slice(0, 12)}${withToken ? ' after reading its service-account token' : ''}`,
    fields: { destination: `${address}:${dest.port}`, process: p.exe || p.comm, command_line: p.argv.join(' '), image_programs: [...new Set(facts?.initExecs.map((e) => e.filename))].join(','), service_account_token_read: String(withToken) },
    key: `connect>${p.exe || p.comm}`,
  };
}

/** What a download or network tool, a shell or a one-liner names of the API in its command line: the token, the API's name; undefined for any other program. */
function namedByTool(p: Program, lists: Lists): { token: boolean; apiName: boolean } | undefined {
  if (!p.in(lists.download_tools) && !p.in(lists.network_tools) && !p.in(lists.shells) && scriptOneLiner(p, lists) === undefined) return undefined;
  const line = p.argv.join(' ');
  return { token: TOKEN_PATH.test(line), apiName: API_NAME.test(line) };
}

function onExec(ev: Event__Output, ctx: DetectionContext): Finding | null {
  const named = programOf(ev).judged(namedByTool, ctx.lists);
  if (!named) return null;
  const facts = ctx.container();
  if (!named.token && !named.apiName && !namesApiAddress(ev, facts, ctx)) return null;
  // The entrypoint and its own script reading the token is how images configure themselves.
  if (isContainerInit(ev, facts) || shellOrigin(ancestorsOf(ev), facts, ctx.lists).how === 'entrypoint-script') return null;
  const line = commandLine(ev);
  return {
    summary: `${ev.exec!.filename} in container ${ev.container!.name || ev.container!.id.slice(0, 12)} ${named.token ? 'used the service-account token' : 'called the API server'}: ${line}`,
    fields: { process: ev.exec!.filename, command_line: line, token: String(named.token) },
  };
}

export const apiServerAccessFromContainer: HostRule = {
  id: 'api-server-access-from-container',
  version: 2,
  title: 'Kubernetes API server reached from a container by an unexpected program',
  description:
    'A process in a container connected to the Kubernetes API server (the `kubernetes` Service address its ' +
    'environment names, an endpoint listed in `apiserver_endpoints`, or one learned from the kube-apiserver\'s ' +
    'command line or the `kubernetes` Endpoints in the audit log) although it is not the program the image runs ' +
    '(its entrypoint and what that execs into: the executable and, for an interpreter, the script or module; a ' +
    'one-liner never is); or curl, wget, a shell or an interpreter one-liner named the pod\'s service-account token ' +
    'or the API (kubernetes.default, $KUBERNETES_SERVICE_HOST, the Service\'s address in a URL) other than as the ' +
    'entrypoint or its script. An attacker in a pod uses the mounted token to enumerate and attack the cluster: ' +
    'secrets, pods/exec, new privileged pods. An operator or controller talking to the API is its image\'s own ' +
    'program and is not raised. Known benign: images whose helper processes call the API (list them in ' +
    '`api_client_images` or as exceptions), debugging sessions. Triage: the process and its ancestry, the service ' +
    'account\'s rights (kubectl auth can-i --list --as=system:serviceaccount:NS:SA), and the audit log for requests ' +
    'from that account at that time.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1613', name: 'Container and Resource Discovery', tactic: 'Discovery' },
  sources: ['connect', 'exec'],
  match(ev, ctx) {
    if (!inContainer(ev) || imageIn(ev.container!.image, ctx.lists.api_client_images)) return null;
    return ev.connect ? onConnect(ev, ctx) : ev.exec ? onExec(ev, ctx) : null;
  },
};
