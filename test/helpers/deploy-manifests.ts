/**
 * The Kubernetes install as `kubectl apply -k` would send it (rendered by
 * the real kubectl's kustomize), and the image as the Dockerfile describes
 * it, for the tests that check them and the test that runs them.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { gate } from './kernel-gate';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const INSTALL_DIR = path.join(REPO, 'controlplane/deploy/kubernetes/install');
export const LEAST_PRIVILEGE_DIR = path.join(REPO, 'controlplane/deploy/kubernetes/least-privilege');
export const DOCKERFILE = path.join(REPO, 'sensor/deploy/Dockerfile');
export const ROOTFS_SCRIPT = path.join(REPO, 'sensor/deploy/build-rootfs.sh');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function missingKubectl(): string | undefined {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'needs kubectl for its kustomize (apt-get install kubernetes-client)';
  }
}

/** Options for describe(): skip with the reason, or fail in CI. */
export function kubectlTestOptions(): { skip?: string; timeout: number } {
  return gate(missingKubectl(), 'manifest tests');
}

/** The objects `kubectl apply -k dir` would create. */
export function renderKustomization(dir: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out).map((d) => {
    if (d.errors.length) throw new Error(`kubectl kustomize ${dir}: ${d.errors[0].message}`);
    return d.toJS() as K8sObject;
  }).filter(Boolean);
}

export function findObject<T = K8sObject>(objects: K8sObject[], kind: string, name: string): T {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o as T;
}

/** The instructions of each stage of a Dockerfile, continuation lines joined. */
export function dockerfileStages(file = DOCKERFILE): { from: string; instructions: { op: string; rest: string }[] }[] {
  const lines = fs.readFileSync(file, 'utf8').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: { from: string; instructions: { op: string; rest: string }[] }[] = [];
  for (const l of lines) {
    const [, op, rest] = /^(\S+)\s+(.*)$/.exec(l)!;
    if (op.toUpperCase() === 'FROM') stages.push({ from: rest, instructions: [] });
    else stages[stages.length - 1].instructions.push({ op: op.toUpperCase(), rest });
  }
  return stages;
}

/** The runtime image's config (ENV, ENTRYPOINT, CMD) as the Dockerfile's last stage sets it. */
export function runtimeImageConfig(): { Env: string[]; Entrypoint: string[]; Cmd: string[] } {
  const last = dockerfileStages().at(-1)!;
  const json = (op: string) => JSON.parse(last.instructions.find((i) => i.op === op)!.rest) as string[];
  return { Env: last.instructions.filter((i) => i.op === 'ENV').map((i) => i.rest), Entrypoint: json('ENTRYPOINT'), Cmd: json('CMD') };
}

/** The value of `--flag=value` in a container's args. */
export function flagValue(args: string[], flag: string): string | undefined {
  return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}
