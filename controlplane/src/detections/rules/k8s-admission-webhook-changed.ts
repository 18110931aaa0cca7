import type { AuditRule } from '../rule';
import { actor, asArray, asObject, asString, changedByUser, did, objectName, writtenObject } from '../../audit/k8s-objects';

const ADMISSION_KINDS: Record<string, string> = {
  mutatingwebhookconfigurations: 'MutatingWebhookConfiguration',
  validatingwebhookconfigurations: 'ValidatingWebhookConfiguration',
  validatingadmissionpolicies: 'ValidatingAdmissionPolicy',
  validatingadmissionpolicybindings: 'ValidatingAdmissionPolicyBinding',
  mutatingadmissionpolicies: 'MutatingAdmissionPolicy',
  mutatingadmissionpolicybindings: 'MutatingAdmissionPolicyBinding',
};

/** Where a webhook configuration sends the objects it sees: in-cluster services or URLs. */
function destinations(config: Record<string, unknown> | undefined): string[] {
  return asArray(config?.webhooks).map((w) => {
    const client = asObject(asObject(w)?.clientConfig) ?? {};
    const svc = asObject(client.service);
    return svc ? `service ${asString(svc.namespace)}/${asString(svc.name)}` : asString(client.url) || '?';
  });
}

export const k8sAdmissionWebhookChanged: AuditRule = {
  id: 'k8s-admission-webhook-changed',
  version: 1,
  title: 'Admission webhook or policy changed by a user',
  description:
    'A mutating or validating admission webhook configuration, or an admission policy or its binding, was ' +
    'created, changed or deleted by someone other than the control plane. A mutating webhook sees, and may ' +
    'rewrite, every object it selects (secrets included): an attacker\'s webhook injects containers into new pods ' +
    'or copies secrets out. Deleting or loosening a validating webhook or policy switches off the guard rails ' +
    '(Gatekeeper, Kyverno, Pod Security policies). Known benign: installing or upgrading such tools, and ' +
    'cert-manager\'s cainjector updating caBundle; except them by user. Triage: where the webhook sends objects ' +
    '(a URL outside the cluster is a red flag), what it selects, its failurePolicy, and who changed it.',
  severity: 'SEVERITY_MEDIUM',
  mitre: { id: 'T1562.001', name: 'Impair Defenses: Disable or Modify Tools', tactic: 'Defense Evasion' },
  sources: ['k8s_audit'],
  match(ev, record) {
    const kind = ADMISSION_KINDS[record.resource];
    if (!kind || !changedByUser(ev)) return null;
    const sent = destinations(writtenObject(ev, kind));
    return {
      summary: `${actor(record)} ${did(record.verb)} ${record.verb === 'deletecollection' ? 'every ' : ''}${kind} ${objectName(record)}${sent.length ? ` sending objects to ${sent.join(', ')}` : ''}`,
      fields: { kind, verb: record.verb, destinations: sent.join(',') },
      subject: { name: record.name },
    };
  },
};
