import type { HostRule } from '../rule';
import { WATCH_CATEGORY, readsServiceAccountToken } from '../../../../proto/watched-paths';
import { inContainer, programOf, runsInstalled } from '../facts';
import { isWorkloadItself } from '../workload-facts';

const KUBELET: ReadonlySet<string> = new Set(['kubelet']);

export const serviceAccountTokenRead: HostRule = {
  id: 'service-account-token-read',
  version: 1,
  title: 'Service-account token read by a process that is not the workload',
  description:
    'A Kubernetes service-account token (or its CA; not the namespace file beside them) was opened by something ' +
    'other than the pod\'s own program: in a container, a process that is neither the entrypoint (nor, under an ' +
    'init, supervisor or package runner such as tini, s6, runit, supervisord or npm start, a program they started ' +
    'in the container\'s first two minutes: a process planted in that window passes for the image\'s) nor a ' +
    'worker running one of their programs (a shell, cat, curl, a one-liner); on the node, anything but the kubelet ' +
    'and the runtime, by their executables (the pods\' projected volumes, or a pod\'s token reached through ' +
    '/proc/<pid>/root). Read in the kernel on the resolved path, so ../ and /proc/self/root tricks do not hide it; ' +
    'a read through a symbolic link is not seen, so a link made to a token is raised as well. The token is the ' +
    'pod\'s identity to the API server: reading it is the first step of using the pod\'s permissions from outside ' +
    '(see api-server-access-from-container). Known benign: sidecars and tools that legitimately read the token in ' +
    'a container whose entrypoint does not (except them by image or process). Triage: the process and its ' +
    'ancestry, and API-server connections that follow.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1528', name: 'Steal Application Access Token', tactic: 'Credential Access' },
  sources: ['file'],
  match(ev, ctx) {
    const f = ev.file!;
    const linked = f.category === WATCH_CATEGORY.serviceAccountToken && f.access === 'ACCESS_LINK' && f.result >= 0;
    if (!readsServiceAccountToken(f) && !linked) return null;
    if (inContainer(ev) ? isWorkloadItself(ev, ctx.container(), ctx.lists) : runsInstalled(programOf(ev), ctx.lists.container_runtimes) || runsInstalled(programOf(ev), KUBELET)) return null;
    const where = inContainer(ev) ? `in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'})` : 'on the node';
    return {
      summary: `${ev.process!.exe} ${linked ? 'made a link to' : 'read'} the service-account token ${f.path} ${where}`,
      fields: { path: f.path, process: ev.process!.exe, command_line: ev.process!.argv.join(' ') },
      key: `${ev.process!.exe}>${f.path}`,
    };
  },
};
