import type { AuditFinding, AuditRule } from '../rule';
import { asArray, asObject, asString, succeededWrite, writtenObject, type Json } from '../../audit/k8s-objects';
import { subjectsOf } from './k8s-cluster-admin-binding';

const DASHBOARD = 'kubernetes-dashboard';

function mentionsDashboard(o: Json | undefined): boolean {
  const meta = asObject(o?.metadata) ?? {};
  const labels = Object.values(asObject(meta.labels) ?? {}).map(asString);
  const selector = Object.values(asObject(asObject(o?.spec)?.selector) ?? {}).map(asString);
  return asString(meta.name).includes(DASHBOARD) || [...labels, ...selector].some((v) => v.includes(DASHBOARD));
}

/** Service names an Ingress sends traffic to (networking.k8s.io/v1 and v1beta1). */
function ingressBackends(ingress: Json): string[] {
  const spec = asObject(ingress.spec) ?? {};
  const backends = [asObject(spec.defaultBackend), asObject(spec.backend)];
  for (const rule of asArray(spec.rules))
    for (const p of asArray(asObject(asObject(rule)?.http)?.paths)) backends.push(asObject(asObject(p)?.backend));
  return backends.map((b) => asString(asObject(b?.service)?.name) || asString(b?.serviceName)).filter(Boolean);
}

export const k8sExposedDashboard: AuditRule = {
  id: 'k8s-exposed-dashboard',
  version: 1,
  title: 'Kubernetes dashboard exposed',
  description:
    'The Kubernetes dashboard was made reachable from outside the cluster (a LoadBalancer or NodePort Service, or ' +
    'an Ingress, in front of it) or its service account was bound to cluster-admin. Exposed dashboards with broad ' +
    'rights are a classic way in: Tesla\'s cluster was mined through one. A ClusterIP Service is not flagged. ' +
    'Triage: remove the exposure, check the dashboard\'s access logs and what its account did.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1133', name: 'External Remote Services', tactic: 'Initial Access' },
  sources: ['k8s_audit'],
  match(ev, record): AuditFinding | null {
    if (!succeededWrite(ev)) return null;
    const where = `${record.namespace ? `${record.namespace}/` : ''}${record.name}`;
    if (record.resource === 'services') {
      const svc = writtenObject(ev, 'Service');
      const type = asString(asObject(svc?.spec)?.type);
      if (!svc || !['LoadBalancer', 'NodePort'].includes(type) || !mentionsDashboard(svc)) return null;
      return { summary: `${record.username} exposed the dashboard with ${type} Service ${where}`, namespace: record.namespace, fields: { kind: 'Service', type } };
    }
    if (record.resource === 'ingresses') {
      const ing = writtenObject(ev, 'Ingress');
      const backends = ing ? ingressBackends(ing) : [];
      if (!backends.some((b) => b.includes(DASHBOARD))) return null;
      return { summary: `${record.username} exposed the dashboard with Ingress ${where}`, namespace: record.namespace, fields: { kind: 'Ingress', backends: backends.join(',') } };
    }
    if (record.resource === 'clusterrolebindings') {
      const b = writtenObject(ev, 'ClusterRoleBinding');
      const roleRef = asObject(b?.roleRef);
      const subjects = b ? subjectsOf(b) : [];
      if (asString(roleRef?.name) !== 'cluster-admin' || !subjects.some((s) => s.startsWith('ServiceAccount:') && s.includes(DASHBOARD))) return null;
      return { summary: `${record.username} bound the dashboard's service account to cluster-admin (${record.name})`, fields: { kind: 'ClusterRoleBinding', subjects: subjects.join(',') } };
    }
    return null;
  },
};
