import type { AuditRule } from '../rule';
import { actor, asObject, byControlPlane, did, objectName, stringMap, succeededWrite, writtenObject } from '../../audit/k8s-objects';

/** Values that are credentials whatever their key: what each looks like. */
const CREDENTIAL_VALUES: { kind: string; pattern: RegExp }[] = [
  { kind: 'a private key', pattern: /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----/ },
  { kind: 'an AWS access key', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'an Azure storage key', pattern: /AccountKey=[A-Za-z0-9+/]{20,}={0,2}/ },
  { kind: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'a GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { kind: 'a Slack token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { kind: 'a JSON web token', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  { kind: 'a password in a URL', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/$]+:[^\s@/${}]{3,}@/i },
];

/** Words a key of a credential has ("DB_PASSWORD", "dbPassword", "client-secret"). */
const CREDENTIAL_KEY = /(^|_)(password|passwd|passphrase|secret|token|apikey|api_key|access_key|secret_key|private_key|client_secret|credentials?)(_|$)/;
/** Last words of keys that name or point to a credential rather than hold one ("secretName", "tokenFile"). */
const REFERENCE_SUFFIX = /_(name|names|ref|path|file|dir|mount|namespace|url|uri|endpoint|id|enabled|ttl|length|expiry|expiration|type|header|field|key_ref)$/;
/** A credential assigned inside a value: properties, YAML, JSON or .env text. */
const EMBEDDED = /(?:^|[\s"'{,])["']?([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|client[_-]?secret))["']?\s*[:=]\s*["']?([^\s"',}]+)/gim;

/** Values that are not a credential even under a credential's key. */
function placeholder(value: string): boolean {
  const v = value.trim();
  return v.length < 4 || /^(\$|\{\{|<|\*+$|x+$|true$|false$|yes$|no$|null$|none$|redacted$|changeit$|-?\d+$)/i.test(v) || v.startsWith('/');
}

const words = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

/** Why a data entry looks like a credential, or undefined. Never the value itself. */
export function credentialIn(key: string, value: string): string | undefined {
  for (const c of CREDENTIAL_VALUES) if (c.pattern.test(value)) return c.kind;
  const k = words(key);
  if (CREDENTIAL_KEY.test(k) && !REFERENCE_SUFFIX.test(k) && !placeholder(value)) return `a ${k.match(CREDENTIAL_KEY)![2].replace(/_/g, ' ')} value`;
  for (const m of value.matchAll(EMBEDDED)) if (!REFERENCE_SUFFIX.test(words(m[1])) && !placeholder(m[2])) return `a ${words(m[1])} set inside it`;
  return undefined;
}

export const k8sConfigMapCredentials: AuditRule = {
  id: 'k8s-configmap-credentials',
  version: 1,
  title: 'Credentials stored in a ConfigMap',
  description:
    'A ConfigMap was written with data that looks like a credential: keys named like passwords, secrets, tokens ' +
    'or API keys with a real value, private keys, cloud access keys, tokens of well-known services, passwords in ' +
    'URLs, or such assignments inside embedded configuration files. ConfigMaps are readable by anyone with read ' +
    'access to the namespace, are not encrypted at rest, and are copied into logs and backups: credentials in them ' +
    'are exposed. Values are never copied into the alert; only the keys are named. References ($VAR, {{ }}, file ' +
    'paths, secretName) and placeholders are not flagged. Known benign: test fixtures and public demo ' +
    'credentials. Triage: rotate the credential, move it into a Secret, and check who can read the namespace.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1552.007', name: 'Unsecured Credentials: Container API', tactic: 'Credential Access' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'configmaps' || record.subresource || !succeededWrite(ev) || byControlPlane(ev)) return null;
    const cm = writtenObject(ev, 'ConfigMap');
    const found = Object.entries(stringMap(asObject(cm)?.data))
      .map(([key, value]) => ({ key, why: credentialIn(key, value) }))
      .filter((f) => f.why !== undefined)
      .sort((a, b) => a.key.localeCompare(b.key));
    if (found.length === 0) return null;
    return {
      summary: `${actor(record)} ${did(ev.verb)} ConfigMap ${objectName(record)} holding ${found.map((f) => `${f.why} (key ${f.key})`).join(', ')}`,
      namespace: record.namespace,
      fields: { keys: found.map((f) => f.key).join(',') },
      subject: { name: record.name },
    };
  },
};
