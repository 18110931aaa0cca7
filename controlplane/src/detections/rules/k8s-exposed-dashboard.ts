import { listItems } from '../lists';
import type { AuditFinding, AuditRule } from '../rule';
import { actor, asArray, asObject, asString, hasNamePart, objectName, serviceExposure, serviceNames, serviceSelector, succeededWrite, writtenObject, type Json } from '../../audit/k8s-objects';
import { subjectsOf } from './k8s-cluster-admin-binding';

export function dashboardNames(): readonly string[] {
  return listItems('dashboard_names');
}

/** The dashboard a Service's name, labels or selector names, if any. */
function dashboardOf(svc: Json): string | undefined {
  const names = serviceNames(svc);
  return dashboardNames().find((d) => names.some((v) => hasNamePart(v, d)));
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
  version: 2,
  title: 'Cluster dashboard exposed',
  description:
    'A web console that controls the cluster or its workloads (the Kubernetes Dashboard, Kubeflow, Argo CD and ' +
    'Argo Workflows, Grafana, Kibana, Jupyter, Weave Scope and the others of a list) was made reachable from ' +
    'outside the cluster: a LoadBalancer or NodePort Service, externalIPs on any Service, or an Ingress in front ' +
    'of it; or the Kubernetes Dashboard\'s service account was bound to cluster-admin. Exposed consoles are a ' +
    'classic way in: Tesla\'s cluster was mined through its dashboard, and Argo Workflows and Weave Scope were ' +
    'abused the same way. A ClusterIP Service is not flagged. Known benign: consoles deliberately published behind ' +
    'single sign-on; except them by name. Triage: what authenticates in front of it, its access logs, and what ' +
    'its service account may do.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1133', name: 'External Remote Services', tactic: 'Initial Access' },
  sources: ['k8s_audit'],
  match(ev, record): AuditFinding | null {
    if (!succeededWrite(ev) || record.subresource) return null;
    const subject = { name: record.name };
    if (record.resource === 'services') {
      const svc = writtenObject(ev, 'Service');
      const exposure = svc && serviceExposure(svc);
      const dashboard = exposure && dashboardOf(svc);
      if (!dashboard) return null;
      return {
        summary: `${actor(record)} exposed ${dashboard} with Service ${objectName(record)} (${exposure})`,
        namespace: record.namespace,
        fields: { kind: 'Service', dashboard, exposure },
        subject: { ...subject, labels: serviceSelector(svc) },
      };
    }
    if (record.resource === 'ingresses') {
      const ing = writtenObject(ev, 'Ingress');
      const backends = ing ? ingressBackends(ing) : [];
      const dashboard = dashboardNames().find((d) => backends.some((b) => hasNamePart(b, d)));
      if (!dashboard) return null;
      return { summary: `${actor(record)} exposed ${dashboard} with Ingress ${objectName(record)}`, namespace: record.namespace, fields: { kind: 'Ingress', dashboard, backends: backends.join(',') }, subject };
    }
    if (record.resource === 'clusterrolebindings') {
      const b = writtenObject(ev, 'ClusterRoleBinding');
      const subjects = b ? subjectsOf(b) : [];
      if (asString(asObject(b?.roleRef)?.name) !== 'cluster-admin' || !subjects.some((s) => s.startsWith('ServiceAccount:') && s.includes('kubernetes-dashboard'))) return null;
      return { summary: `${actor(record)} bound the dashboard's service account to cluster-admin (${record.name})`, fields: { kind: 'ClusterRoleBinding', subjects: subjects.join(',') }, subject };
    }
    return null;
  },
};
