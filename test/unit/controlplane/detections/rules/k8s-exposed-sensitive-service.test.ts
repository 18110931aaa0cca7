import { auditEvent } from '../../../../../controlplane/src/audit/audit-event-builder';
import { forbidden, ruleCases } from './k8s-rule-cases';

const service = (name: string, spec: object) => auditEvent({ verb: 'create', resource: 'services', namespace: 'data', name, requestObject: { kind: 'Service', apiVersion: 'v1', metadata: { name, namespace: 'data' }, spec } });

ruleCases('k8s-exposed-sensitive-service', {
  should: [
    ['PostgreSQL on a LoadBalancer', service('orders-db', { type: 'LoadBalancer', selector: { app: 'orders' }, ports: [{ port: 5432 }] })],
    ['Redis on a NodePort under another port, known by name', service('redis-master', { type: 'NodePort', selector: { app: 'redis' }, ports: [{ port: 16379, targetPort: 'redis' }] })],
    ['MongoDB through externalIPs', service('catalog', { type: 'ClusterIP', externalIPs: ['198.51.100.7'], ports: [{ port: 27017 }] })],
    ['MySQL behind port 80 (targetPort 3306)', service('legacy', { type: 'LoadBalancer', ports: [{ port: 80, targetPort: 3306 }] })],
    ['the Docker API', service('dind', { type: 'NodePort', ports: [{ port: 2375 }] })],
  ],
  shouldNot: [
    ['PostgreSQL inside the cluster (ClusterIP)', service('orders-db', { type: 'ClusterIP', ports: [{ port: 5432 }] })],
    ['a web front end on a LoadBalancer', service('web', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443, targetPort: 8443 }] })],
    ['a dashboard (the dashboard rule\'s)', service('grafana', { type: 'LoadBalancer', selector: { app: 'grafana' }, ports: [{ port: 3000 }] })],
    ['a failed create', forbidden(service('orders-db', { type: 'LoadBalancer', ports: [{ port: 5432 }] }))],
    ['a headless database Service', service('cassandra', { clusterIP: 'None', ports: [{ port: 9042 }] })],
  ],
});
