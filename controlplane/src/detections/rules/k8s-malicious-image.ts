import { listItems } from '../lists';
import type { AuditRule } from '../rule';
import { imageName, parseImage } from '../../audit/image-ref';
import { actor, asArray, asString, containersOf, describeWrite, did, podSpecWrite, podSubject, podTarget, type Json } from '../../audit/k8s-objects';

export function maliciousImages(): readonly string[] {
  return listItems('malicious_images');
}

/** The list entry an image matches, if any. */
export function maliciousImageMatch(image: string): string | undefined {
  const name = imageName(image);
  const repository = parseImage(image).repository;
  return maliciousImages().find((entry) => {
    const e = entry.toLowerCase();
    if (e.includes('/')) return name === imageName(e) || name.endsWith(`/${e}`);
    return new RegExp(`(^|[/._-])${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([/._-]|$)`).test(repository);
  });
}

/** A command line pointing at a mining pool: what a renamed miner still has to say. */
const STRATUM = /\bstratum\d?\+(tcp|ssl|tls):\/\//i;

function minerArgs(c: Json): boolean {
  return [...asArray(c.command), ...asArray(c.args)].some((a) => STRATUM.test(asString(a)));
}

export const k8sMaliciousImage: AuditRule = {
  id: 'k8s-malicious-image',
  version: 1,
  title: 'Container from a known-malicious or crypto-mining image',
  description:
    'A Pod, workload template or ephemeral container runs an image on the list of known-malicious and ' +
    'crypto-mining images (xmrig, cpuminer, ethminer and other miners by name; extend the list with a feed), ' +
    'or a container whose command line points at a mining pool (stratum+tcp://), which catches a miner under ' +
    'another image name. Cryptojacking is the most common payload of a compromised cluster: it turns stolen ' +
    'access into money and the bill into the victim\'s. Image names are compared normalized (docker.io, library/, ' +
    'tags and digests do not matter). Known benign: none in production; a research cluster may run miners on ' +
    'purpose. Triage: who created it, with which credentials from where, and what else that identity did; stop the ' +
    'workload.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1496', name: 'Resource Hijacking', tactic: 'Impact' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const w = podSpecWrite(ev);
    if (!w) return null;
    const found = containersOf(w.spec)
      .map((c) => ({ c, why: maliciousImageMatch(asString(c.image)) ?? (minerArgs(c) ? 'a mining pool in its command line' : undefined) }))
      .filter((f): f is { c: Json; why: string } => f.why !== undefined);
    if (found.length === 0) return null;
    const images = found.map((f) => asString(f.c.image));
    return {
      summary: `${actor(record)} ${did(ev.verb)} ${describeWrite(w)} running ${found.map((f) => `${asString(f.c.image) || '?'} (${f.why})`).join(', ')}`,
      ...podTarget(w),
      fields: { kind: w.kind, images: images.join(','), matched: found.map((f) => f.why).join(',') },
      subject: podSubject(w, found.map((f) => f.c)),
    };
  },
};
