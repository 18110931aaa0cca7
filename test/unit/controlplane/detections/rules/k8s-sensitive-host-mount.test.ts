import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditEvent, container, createWorkload, podSpec } from '../../../../../controlplane/src/audit/audit-event-builder';
import { normalizeHostPath } from '../../../../../controlplane/src/detections/rules/k8s-sensitive-host-mount';
import { forbidden, ruleCases } from './k8s-rule-cases';

const mounting = (path: string, kind = 'Pod') => createWorkload(kind, 'shop', `m-${kind.toLowerCase()}`, podSpec([container('a', 'busybox:1.36')], { volumes: [{ name: 'h', hostPath: { path } }] }));
const pv = (spec: object) => auditEvent({ verb: 'create', resource: 'persistentvolumes', name: 'pv-1', requestObject: { kind: 'PersistentVolume', apiVersion: 'v1', metadata: { name: 'pv-1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], ...spec } } });

ruleCases('k8s-sensitive-host-mount', {
  should: [
    ['the node\'s root (Stratus Red Team: k8s.privilege-escalation.hostpath-volume)', mounting('/')],
    ['the docker socket in a CronJob template', mounting('/var/run/docker.sock', 'CronJob')],
    ['kubelet state in a StatefulSet', mounting('/var/lib/kubelet/pods/', 'StatefulSet')],
    ['the Kubernetes PKI in a Job', mounting('/etc/kubernetes/pki', 'Job')],
    ['//etc', mounting('//etc')],
    ['/etc/', mounting('/etc/')],
    ['/etc/../etc', mounting('/tmp/../etc')],
    ['a relative path, resolved from /', mounting('etc')],
    ['containerd\'s socket directory under /run', mounting('/run/containerd')],
    ['etcd\'s data', mounting('/var/lib/etcd', 'DaemonSet')],
    ['host devices', mounting('/dev')],
    ['users\' homes', mounting('/home/admin/.kube')],
    ['docker\'s state', mounting('/var/lib/docker/overlay2')],
    ['containerd\'s state', mounting('/var/lib/containerd')],
    ['/var, the parent of the kubelet\'s state', mounting('/var')],
    ['a hostPath PersistentVolume on etcd\'s data', pv({ hostPath: { path: '/var/lib/etcd' } })],
    ['a local PersistentVolume on the root', pv({ local: { path: '/' }, nodeAffinity: {} })],
  ],
  shouldNot: [
    ['/var/log, as log shippers mount it', mounting('/var/log', 'DaemonSet')],
    ['a look-alike path', mounting('/etcetera')],
    ['the iptables lock kube-proxy and CNIs share', mounting('/run/xtables.lock', 'DaemonSet')],
    ['application data', mounting('/data/app')],
    ['an NFS PersistentVolume', pv({ nfs: { server: 'nfs.example.com', path: '/' } })],
    ['a failed create', forbidden(mounting('/'))],
  ],
});

test('host paths are compared as the kernel resolves them', () => {
  assert.deepEqual(['//etc', '/etc/', '/etc/../etc', '/./etc/.', 'etc', '/var/run/docker.sock', '/var/run', '///'].map(normalizeHostPath), ['/etc', '/etc', '/etc', '/etc', '/etc', '/run/docker.sock', '/run', '/']);
});
