import { auditEvent, rbacObject } from '../../../../../controlplane/src/audit/audit-event-builder';
import { asController, forbidden, ruleCases } from './k8s-rule-cases';

const service = (namespace: string, name: string, spec: object, labels: object = {}) =>
  auditEvent({ verb: 'create', resource: 'services', namespace, name, requestObject: { kind: 'Service', apiVersion: 'v1', metadata: { name, namespace, labels }, spec } });

ruleCases('k8s-exposed-dashboard', {
  should: [
    ['the Kubernetes Dashboard on a NodePort', service('kubernetes-dashboard', 'kubernetes-dashboard', { type: 'NodePort', selector: { 'k8s-app': 'kubernetes-dashboard' } })],
    ['an Ingress in front of it', auditEvent({ verb: 'create', resource: 'ingresses', apiGroup: 'networking.k8s.io', namespace: 'kubernetes-dashboard', name: 'dash', requestObject: { kind: 'Ingress', metadata: { name: 'dash' }, spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'kubernetes-dashboard', port: { number: 443 } } } }] } }] } } })],
    ['its service account bound to cluster-admin', rbacObject('ClusterRoleBinding', 'dash-admin', { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'kubernetes-dashboard', namespace: 'kubernetes-dashboard' }] })],
    ['Grafana behind a LoadBalancer, known by its chart label', service('monitoring', 'prom-stack-ui', { type: 'LoadBalancer', selector: { 'app.kubernetes.io/name': 'grafana' }, ports: [{ port: 80, targetPort: 3000 }] })],
    ['Kubeflow\'s central dashboard on a NodePort', service('kubeflow', 'centraldashboard', { type: 'NodePort', selector: { app: 'centraldashboard' } })],
    ['the Argo Workflows server exposed through externalIPs on a ClusterIP Service', service('argo', 'argo-server', { type: 'ClusterIP', externalIPs: ['198.51.100.20'], selector: { app: 'argo-server' } })],
    [
      'a patch turning the dashboard\'s Service into a LoadBalancer (the response holds the result)',
      { ...auditEvent({ verb: 'patch', resource: 'services', namespace: 'kubernetes-dashboard', name: 'kubernetes-dashboard', requestObject: { spec: { type: 'LoadBalancer' } } }), responseObject: { kind: 'Service', metadata: { name: 'kubernetes-dashboard', uid: 'u-1' }, spec: { type: 'LoadBalancer' } } },
    ],
  ],
  shouldNot: [
    ['a ClusterIP dashboard', service('kubernetes-dashboard', 'kubernetes-dashboard', { type: 'ClusterIP' })],
    ['a LoadBalancer for another app', service('shop', 'web', { type: 'LoadBalancer', selector: { app: 'web' } })],
    ['a look-alike name that only contains a dashboard\'s', service('shop', 'grafanalytics', { type: 'LoadBalancer', selector: { app: 'grafanalytics' } })],
    ['a failed create', forbidden(service('kubernetes-dashboard', 'kubernetes-dashboard', { type: 'NodePort' }))],
    ['the service controller writing the load balancer status', asController({ ...service('monitoring', 'grafana', { type: 'LoadBalancer' }), verb: 'update', objectRef: { resource: 'services', subresource: 'status', namespace: 'monitoring', name: 'grafana' } }, 'service-controller')],
  ],
});
