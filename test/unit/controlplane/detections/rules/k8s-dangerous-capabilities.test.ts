import { container, createWorkload, podSpec } from '../../../../../controlplane/src/audit/audit-event-builder';
import { debugContainer, forbidden, ruleCases } from './k8s-rule-cases';

const withCaps = (add: string[], kind = 'Pod', drop: string[] = []) => createWorkload(kind, 'shop', 'caps', podSpec([container('a', 'busybox:1.36', { capabilities: { add, drop } })]));

ruleCases('k8s-dangerous-capabilities', {
  should: [
    ['SYS_ADMIN', withCaps(['SYS_ADMIN'])],
    ['cap_sys_module, written the way the runtime still accepts', withCaps(['cap_sys_module'])],
    ['ALL in a DaemonSet', withCaps(['ALL'], 'DaemonSet')],
    ['NET_ADMIN and BPF in a Deployment', withCaps(['NET_ADMIN', 'BPF'], 'Deployment')],
    ['SYS_PTRACE in a debug container', debugContainer({ capabilities: { add: ['SYS_PTRACE'] } })],
  ],
  shouldNot: [
    ['NET_BIND_SERVICE', withCaps(['NET_BIND_SERVICE'])],
    ['dropping ALL', withCaps([], 'Pod', ['ALL'])],
    ['a failed create', forbidden(withCaps(['SYS_ADMIN']))],
  ],
});
