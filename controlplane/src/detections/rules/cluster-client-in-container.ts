import type { HostRule } from '../rule';
import type { Lists } from '../lists';
import { ancestorsOf, basename, commandLine, imageIn, inContainer, isContainerInit, programOf, type Program } from '../facts';
import { shellOrigin } from './shell-in-container';

/** kubectl's verbs, and what they act on: `k get secrets -A` is kubectl whatever the file is called. */
const KUBECTL_VERBS: ReadonlySet<string> = new Set(['get', 'describe', 'exec', 'auth', 'apply', 'create', 'delete', 'run', 'logs', 'cp', 'port-forward', 'proxy', 'edit', 'patch', 'scale', 'rollout', 'attach', 'debug', 'api-resources', 'cluster-info']);
const KUBE_OBJECTS = /^(pods?|po|secrets?|deploy(ments?)?|nodes?|no|namespaces?|ns|serviceaccounts?|sa|(cluster)?role(binding)?s?|configmaps?|cm|daemonsets?|ds|statefulsets?|sts|services?|svc|jobs?|cronjobs?|can-i|-A|--all-namespaces)$/;
/** Options only Kubernetes and container-runtime clients take. */
const CLIENT_OPTION = /^--(kubeconfig|token|server|runtime-endpoint|image-endpoint)(=|$)|^unix:\/\/.*(docker|containerd|crio|cri-dockerd)\.sock$/;

/** kubectl, crictl or docker: by name, or renamed, by its arguments. */
function isClusterClient(p: Program, lists: Lists): boolean {
  return p.in(lists.k8s_clients) || calledLikeClient(p.argv);
}

function calledLikeClient(argv: readonly string[]): boolean {
  if (argv.some((a, i) => i > 0 && CLIENT_OPTION.test(a))) return true;
  return KUBECTL_VERBS.has(argv[1] ?? '') && argv.slice(2).some((a) => KUBE_OBJECTS.test(a));
}

export const clusterClientInContainer: HostRule = {
  id: 'cluster-client-in-container',
  version: 2,
  title: 'Kubernetes or container runtime client run in a container',
  description:
    'kubectl, helm, oc, crictl, ctr, docker, nerdctl or podman ran inside a container, other than as the ' +
    'container\'s own entrypoint or by its entrypoint\'s script. From a workload these reach for the cluster (with ' +
    'the pod\'s service-account token) or for the node\'s container runtime (through a mounted socket): enumeration, ' +
    'new privileged pods, exec into neighbours. They rarely ship in application images; an attacker downloads them. ' +
    'A client is known by its name (through the dynamic loader too) or, renamed, by its arguments (`get secrets ' +
    '-A`, --kubeconfig, --token, a runtime socket). Known benign: Jobs and CI images whose entrypoint or its script ' +
    'runs kubectl or helm (not raised), GitOps agents (Argo CD, Flux: listed in `api_client_images`) and operators ' +
    'that shell out to kubectl (list them in `api_client_images`). Triage: the command line, the service ' +
    'account\'s rights, mounted runtime sockets (sensitive-host-mount-started), and where the binary came from.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1609', name: 'Container Administration Command', tactic: 'Execution' },
  sources: ['exec'],
  match(ev, ctx) {
    if (!inContainer(ev)) return null;
    const p = programOf(ev);
    if (!p.judged(isClusterClient, ctx.lists)) return null;
    if (imageIn(ev.container!.image, ctx.lists.api_client_images) || imageIn(ev.container!.image, ctx.lists.build_images)) return null;
    const facts = ctx.container();
    if (isContainerInit(ev, facts) || shellOrigin(ancestorsOf(ev), facts, ctx.lists).how === 'entrypoint-script') return null;
    return {
      summary: `${basename(p.exe)} run in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'}): ${commandLine(ev)}`,
      fields: { client: basename(p.exe), command_line: commandLine(ev) },
    };
  },
};
