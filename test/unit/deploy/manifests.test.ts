/**
 * The Kubernetes install, rendered by kubectl's own kustomize, checked
 * against the API schemas (kubernetes-models) and against what Vigil needs
 * of it; and the image's Dockerfile against the rootfs script.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { Model } from '@kubernetes-models/base';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { WEBHOOK_PATH } from '../../../controlplane/src/audit/webhook';
import {
  INSTALL_DIR, LEAST_PRIVILEGE_DIR, REPO, ROOTFS_SCRIPT, dockerfileStages, findObject, flagValue, kubectlTestOptions, renderKustomization,
  type K8sObject,
} from '../../helpers/deploy-manifests';
import { serviceDnsName } from '../../../controlplane/src/cli/cluster';
import { parseServiceRef } from '../../../controlplane/src/cluster/discovery';

/** Every kind the install may contain; anything else fails until it is added and validated. */
const MODELS: Record<string, new (data: never) => Model<unknown>> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

const LEAST_PRIVILEGE_CAPS = ['BPF', 'PERFMON', 'SYS_RESOURCE', 'SYS_PTRACE', 'SYS_ADMIN'];
const NODE_HOST_PATHS = ['/sys/kernel/btf', '/sys/kernel/tracing', '/sys/fs/bpf', '/run/containerd', '/var/lib/vigil'];

type Workload = K8sObject & { spec: { template: { metadata: { labels: Record<string, string> }; spec: IPodSpec } } };

const podOf = (objects: K8sObject[], kind: string, name: string) => findObject<Workload>(objects, kind, name).spec.template;
const portOf = (hostPort: string) => Number(hostPort.split(':').at(-1));

describe('the Kubernetes install', kubectlTestOptions(), () => {
  const install = renderKustomization(INSTALL_DIR);
  const leastPrivilege = renderKustomization(LEAST_PRIVILEGE_DIR);

  test('every object of both variants is valid against the Kubernetes API schema', () => {
    for (const o of [...install, ...leastPrivilege]) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      assert.ok(Model, `${o.apiVersion} ${o.kind} ${o.metadata.name}: no schema model listed for this kind`);
      assert.doesNotThrow(() => new Model(o as never).validate(), `${o.kind} ${o.metadata.name}`);
      assert.equal(o.metadata.namespace ?? 'vigil', 'vigil', `${o.kind} ${o.metadata.name} is in namespace vigil`);
    }
    assert.deepEqual(install.map((o) => `${o.kind}/${o.metadata.name}`).sort(), leastPrivilege.map((o) => `${o.kind}/${o.metadata.name}`).sort());
  });

  test('the schema check itself refuses a malformed object', () => {
    const ds = structuredClone(findObject(install, 'DaemonSet', 'vigil-node')) as Workload;
    (ds.spec.template.spec.containers[0] as { ports: unknown[] }).ports = [{ containerPort: 'grpc' }];
    assert.throws(() => new DaemonSet(ds as never).validate(), /containerPort/);
  });

  test('the node pod: hostPID, every node, the host paths the sensor reads mounted where its flags point', () => {
    const pod = podOf(install, 'DaemonSet', 'vigil-node');
    assert.equal(pod.spec.hostPID, true);
    assert.deepEqual(pod.spec.tolerations, [{ operator: 'Exists' }], 'tolerates every taint: the sensor runs on every node');
    const [c] = pod.spec.containers;
    assert.equal(pod.spec.containers.length, 1);
    assert.equal(c.securityContext?.privileged, true);
    for (const host of NODE_HOST_PATHS) {
      const vol = pod.spec.volumes?.find((v) => v.hostPath?.path === host);
      assert.ok(vol, `a hostPath volume for ${host}`);
      const mount = c.volumeMounts?.find((m) => m.name === vol.name);
      assert.equal(mount?.mountPath, host, `${host} is mounted at the same path in the container`);
    }
    const args = c.args!;
    assert.equal(args[0], 'up');
    const criSocket = flagValue(args, '--cri-socket')!;
    assert.ok(c.volumeMounts!.some((m) => criSocket.startsWith(`${m.mountPath}/`) && pod.spec.volumes!.find((v) => v.name === m.name)?.hostPath?.path === '/run/containerd'), `--cri-socket ${criSocket} lies in the mounted runtime directory`);
    const dataDir = flagValue(args, '--data-dir');
    assert.ok(c.volumeMounts!.some((m) => m.mountPath === dataDir && pod.spec.volumes!.find((v) => v.name === m.name)?.hostPath?.path === '/var/lib/vigil'), 'the store is on the node');
    assert.equal(flagValue(args, '--node-name'), '$(NODE_NAME)');
    assert.deepEqual(c.env?.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
    assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory && c.resources.limits?.memory, 'requests and a memory limit');
  });

  test('probes ask /healthz and /readyz on the port --metrics-listen opens, in every container', () => {
    for (const [kind, name] of [['DaemonSet', 'vigil-node'], ['Deployment', 'vigil-cluster']]) {
      for (const c of podOf(install, kind, name).spec.containers) {
        const listen = flagValue(c.args!, '--metrics-listen');
        assert.ok(listen, `${name}/${c.name} opens --metrics-listen`);
        const port = (p: number | string) => (typeof p === 'number' ? p : c.ports!.find((x) => x.name === p)?.containerPort);
        assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
        assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
        assert.equal(port(c.livenessProbe!.httpGet!.port as number | string), portOf(listen));
        assert.equal(port(c.readinessProbe!.httpGet!.port as number | string), portOf(listen));
      }
    }
  });

  test('the Services reach ports the containers open with their flags; the cluster view is told the node Service', () => {
    const nodeSvc = findObject<K8sObject & { spec: { clusterIP: string; selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } }>(install, 'Service', 'vigil-node');
    assert.equal(nodeSvc.spec.clusterIP, 'None', 'headless: one address per node pod');
    const node = podOf(install, 'DaemonSet', 'vigil-node');
    assert.deepEqual(nodeSvc.spec.selector, node.metadata.labels);
    const nodeC = node.spec.containers[0];
    const grpc = nodeC.ports!.find((p) => p.name === nodeSvc.spec.ports[0].targetPort)!;
    assert.equal(grpc.containerPort, portOf(flagValue(nodeC.args!, '--listen')!));
    assert.ok(flagValue(nodeC.args!, '--tls-ca'), 'the node listener wants client certificates');

    const cluster = podOf(install, 'Deployment', 'vigil-cluster');
    const cc = cluster.spec.containers[0];
    assert.equal(flagValue(cc.args!, '--nodes-service'), `${nodeSvc.metadata.namespace}/${nodeSvc.metadata.name}`);
    // The view dials pod addresses and checks the node certificate against the Service's name: the README's certificate must carry it.
    const serverName = flagValue(cc.args!, '--node-tls-server-name') ?? serviceDnsName(parseServiceRef(flagValue(cc.args!, '--nodes-service')!));
    const section = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8').split('## Deploying on Kubernetes')[1];
    const certsInit = /^vigil certs init .*$/m.exec(section)?.[0] ?? '';
    assert.ok(certsInit.includes(`--host ${serverName}`), `the README's "${certsInit}" names ${serverName}`);
    const svc = findObject<K8sObject & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } }>(install, 'Service', 'vigil-cluster');
    assert.deepEqual(svc.spec.selector, cluster.metadata.labels);
    const byFlag: Record<string, string> = { grpc: '--listen', audit: '--audit-webhook' };
    for (const p of svc.spec.ports) assert.equal(cc.ports!.find((x) => x.name === p.targetPort)?.containerPort, portOf(flagValue(cc.args!, byFlag[p.name])!), `Service port ${p.name}`);
  });

  test('RBAC is minimal: the cluster view reads endpoint slices in its namespace; the node pod has no token at all', () => {
    assert.deepEqual(install.filter((o) => /Cluster(Role|RoleBinding)/.test(o.kind)), []);
    const roles = install.filter((o) => o.kind === 'Role') as (K8sObject & { rules: unknown[] })[];
    assert.deepEqual(roles.map((r) => [r.metadata.name, r.rules]), [['vigil-cluster', [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }]]]);
    const bindings = install.filter((o) => o.kind === 'RoleBinding') as (K8sObject & { subjects: unknown[]; roleRef: { name: string } })[];
    assert.deepEqual(bindings.map((b) => [b.roleRef.name, b.subjects]), [['vigil-cluster', [{ kind: 'ServiceAccount', name: 'vigil-cluster', namespace: 'vigil' }]]]);
    assert.equal(podOf(install, 'Deployment', 'vigil-cluster').spec.serviceAccountName, 'vigil-cluster');
    const node = podOf(install, 'DaemonSet', 'vigil-node').spec;
    assert.equal(node.serviceAccountName, 'vigil-node');
    assert.equal(node.automountServiceAccountToken, false);
    assert.equal(findObject<ServiceAccount>(install, 'ServiceAccount', 'vigil-node').automountServiceAccountToken, false);
  });

  test('the least-privilege variant drops privileged and ALL, adds only the listed capabilities, and changes nothing else', () => {
    const lp = findObject<Workload>(leastPrivilege, 'DaemonSet', 'vigil-node');
    const sc = lp.spec.template.spec.containers[0].securityContext!;
    assert.equal(sc.privileged, false);
    assert.deepEqual(sc.capabilities?.drop, ['ALL']);
    for (const cap of sc.capabilities!.add!) assert.ok(LEAST_PRIVILEGE_CAPS.includes(cap), `${cap} is not one of ${LEAST_PRIVILEGE_CAPS.join(', ')}`);
    // The ones the README names, SYS_ADMIN left out.
    assert.deepEqual([...sc.capabilities!.add!].sort(), ['BPF', 'PERFMON', 'SYS_PTRACE', 'SYS_RESOURCE']);
    assert.equal(sc.seccompProfile?.type, 'Unconfined');
    const strip = (objects: K8sObject[]) => objects.map((o) => {
      const copy = structuredClone(o) as Workload;
      if (o.kind === 'DaemonSet') delete copy.spec.template.spec.containers[0].securityContext;
      return copy;
    });
    assert.deepEqual(strip(leastPrivilege), strip(install));
  });

  test('every container of both variants runs the same image', () => {
    const images = new Set<string>();
    for (const o of [...install, ...leastPrivilege])
      for (const c of ((o as Workload).spec?.template?.spec?.containers ?? []) as IContainer[]) images.add(c.image!);
    assert.equal(images.size, 1, [...images].join(', '));
  });

  test('every Secret the pods mount is one the README shows how to create', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const secrets = new Set<string>();
    for (const o of install) for (const v of (o as Workload).spec?.template?.spec?.volumes ?? []) if (v.secret) secrets.add(v.secret.secretName!);
    assert.ok(secrets.size > 0);
    for (const s of secrets) assert.match(readme, new RegExp(`kubectl -n vigil create secret generic ${s} `), `README creates Secret ${s}`);
  });

  test('the API server\'s webhook kubeconfig names the cluster view\'s audit port, path and certificate name', () => {
    const kubeconfig = parse(fs.readFileSync(path.join(REPO, 'controlplane/deploy/audit-webhook-kubeconfig.yaml'), 'utf8'));
    const cluster = kubeconfig.clusters[0].cluster;
    const url = new URL(cluster.server.replace('CLUSTER-IP', '10.0.0.1'));
    const svc = findObject<K8sObject & { spec: { ports: { name: string; port: number }[] } }>(install, 'Service', 'vigil-cluster');
    assert.equal(Number(url.port), svc.spec.ports.find((p) => p.name === 'audit')!.port);
    assert.equal(url.pathname, WEBHOOK_PATH);
    assert.equal(cluster['tls-server-name'], `${svc.metadata.name}.${svc.metadata.namespace}.svc`);
  });
});

describe('the image', () => {
  test('the runtime stage is exactly the root filesystem the rootfs script assembles, on scratch', () => {
    const stages = dockerfileStages();
    const [build, runtime] = [stages.at(-2)!, stages.at(-1)!];
    const alias = / AS (\S+)$/i.exec(build.from)![1];
    const script = path.relative(REPO, ROOTFS_SCRIPT);
    const run = build.instructions.filter((i) => i.op === 'RUN' && i.rest.includes(script));
    assert.equal(run.length, 1, `the build stage runs ${script}`);
    const [, dest] = new RegExp(`${script} \\S+ (\\S+)$`).exec(run[0].rest)!;
    assert.equal(runtime.from, 'scratch', 'nothing but the rootfs: no shell, no package manager, no compiler');
    assert.deepEqual(runtime.instructions.filter((i) => i.op !== 'ENV' && i.op !== 'ENTRYPOINT' && i.op !== 'CMD'), [{ op: 'COPY', rest: `--from=${alias} ${dest} /` }]);
  });
});
