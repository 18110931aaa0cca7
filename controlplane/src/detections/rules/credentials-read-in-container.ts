import type { HostRule } from '../rule';
import { WATCH_CATEGORY as C } from '../../../../proto/watched-paths';
import { basename, inContainer, programOf, runsInstalled } from '../facts';
import { isWorkloadItself } from '../workload-facts';

const CREDENTIALS: ReadonlySet<string> = new Set([C.shadow, C.sudoers, C.ssh, C.kubeletCredentials, C.kubeconfig, C.cloudCredentials, C.registryCredentials]);
/** What ~/.ssh holds besides keys, public by nature: the keys let in, the hosts known, public halves. */
const SSH_PUBLIC = /^(authorized_keys2?|known_hosts(\.old)?|.*\.pub)$/;

export const credentialsReadInContainer: HostRule = {
  id: 'credentials-read-in-container',
  version: 1,
  title: 'Credentials or keys read in a container',
  description:
    'A process in a container that is not the workload itself read a file that holds secrets: password hashes ' +
    '(/etc/shadow), SSH private keys (not authorized_keys, known_hosts or public keys), kubeconfigs, the kubelet\'s credentials (through a host mount), cloud CLI ' +
    'credentials and pods\' cloud identity tokens (EKS, AKS), or a registry login (~/.docker/config.json). Read in the kernel on the resolved path, whichever program opens it; a read through a symbolic ' +
    'link is not seen, so a link made to such a file is raised as well. Harvesting credentials ' +
    'from a foothold is how attackers move on to other hosts, the cluster and the cloud account. Known benign: ' +
    'the workload\'s own program reading credentials it was given (excluded), SSH servers reading their host keys ' +
    '(ssh-server-in-container covers those), and backup or sync tools; except them by image or process. Triage: ' +
    'the process and its ancestry, what was read, and outbound connections that follow.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1552.001', name: 'Unsecured Credentials: Credentials In Files', tactic: 'Credential Access' },
  sources: ['file'],
  match(ev, ctx) {
    const f = ev.file!;
    // A read through a symbolic link is not seen: a link made to the file is the read to come.
    if (!inContainer(ev) || !CREDENTIALS.has(f.category) || (f.access !== 'ACCESS_READ' && f.access !== 'ACCESS_LINK') || f.result < 0) return null;
    if (f.category === C.ssh && SSH_PUBLIC.test(basename(f.path))) return null;
    if (isWorkloadItself(ev, ctx.container(), ctx.lists) || (f.category === C.ssh && runsInstalled(programOf(ev), ctx.lists.ssh_servers))) return null;
    return {
      summary: `${ev.process!.exe} ${f.access === 'ACCESS_LINK' ? 'made a link to' : 'read'} ${f.path} (${f.category}) in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'})`,
      fields: { path: f.path, category: f.category, process: ev.process!.exe, command_line: ev.process!.argv.join(' ') },
      key: `${ev.process!.exe}>${f.path}`,
    };
  },
};
