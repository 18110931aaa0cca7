import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { HostRule } from '../rule';
import { WATCH_CATEGORY } from '../../../../proto/watched-paths';
import { basename, imageIn, inContainer } from '../facts';

/** The socket a container reached for: a watched socket path it touched, or a unix socket of a runtime's name it connected to. */
function runtimeSocket(ev: Event__Output, names: ReadonlySet<string>): string | undefined {
  if (ev.file) return ev.file.category === WATCH_CATEGORY.runtimeSocket ? ev.file.path : undefined;
  const to = ev.connect?.destination;
  // Mounted anywhere in the container (/host/run/..., /var/run/docker.sock): the socket's name gives it away.
  return to?.family === 'FAMILY_UNIX' && names.has(basename(to.address)) ? to.address : undefined;
}

const EINPROGRESS = 115;

export const runtimeSocketFromContainer: HostRule = {
  id: 'runtime-socket-from-container',
  version: 1,
  title: 'Container runtime socket used from a container',
  description:
    'A process in a container connected to, or opened, the socket of a container runtime (Docker, containerd, ' +
    'CRI-O, Podman), mounted in from the node. Whoever talks to that socket can start a privileged container ' +
    'with the node\'s root filesystem: it is root on the node. Seen on connect(2) to a socket named like a ' +
    'runtime\'s wherever it is mounted, and on the watched socket paths (opened, deleted, replaced). Known benign: ' +
    'node agents that need the runtime (monitoring, log shippers, CI runners that build images; the ' +
    'trusted_images and build_images lists and exceptions by image). Triage: the image and who deployed it ' +
    '(the pod\'s hostPath volumes), and what the process did next.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1611', name: 'Escape to Host', tactic: 'Privilege Escalation' },
  sources: ['connect', 'file'],
  match(ev, ctx) {
    if (!inContainer(ev)) return null;
    const socket = runtimeSocket(ev, ctx.lists.runtime_socket_names);
    if (!socket || imageIn(ev.container!.image, ctx.lists.trusted_images) || imageIn(ev.container!.image, ctx.lists.build_images)) return null;
    // A refused or failed connect is the same reach for the node, and says so (EINPROGRESS is a non-blocking connect under way).
    const how = ev.connect ? (ev.connect.result < 0 && ev.connect.result !== -EINPROGRESS ? `tried (errno ${-ev.connect.result}) to connect to` : 'connected to') : ev.file!.access === 'ACCESS_READ' || ev.file!.access === 'ACCESS_WRITE' ? 'opened' : ev.file!.access.replace('ACCESS_', '').toLowerCase();
    return {
      summary: `${ev.process!.exe} ${how} the runtime socket ${socket} in container ${ev.container!.name || ev.container!.id.slice(0, 12)} (${ev.container!.image || 'unknown image'})`,
      fields: { socket, process: ev.process!.exe, command_line: ev.process!.argv.join(' ') },
      key: `${ev.process!.exe}>${socket}`,
    };
  },
};
