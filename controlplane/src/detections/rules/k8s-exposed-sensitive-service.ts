import { listItems } from '../lists';
import type { AuditRule } from '../rule';
import { actor, asArray, asObject, asString, hasNamePart, objectName, serviceExposure, serviceNames, serviceSelector, succeededWrite, writtenObject, type Json } from '../../audit/k8s-objects';

/** Well-known ports of data stores and of APIs that hand out control, by what usually listens there. */
export const DEFAULT_SENSITIVE_SERVICE_PORTS: Readonly<Record<number, string>> = {
  1433: 'SQL Server',
  1521: 'Oracle',
  2181: 'ZooKeeper',
  2375: 'Docker API',
  2376: 'Docker API',
  2379: 'etcd',
  2380: 'etcd',
  3306: 'MySQL',
  5432: 'PostgreSQL',
  5672: 'RabbitMQ',
  5984: 'CouchDB',
  6379: 'Redis',
  7474: 'Neo4j',
  8086: 'InfluxDB',
  9042: 'Cassandra',
  9092: 'Kafka',
  9200: 'Elasticsearch',
  9300: 'Elasticsearch',
  10250: 'kubelet API',
  11211: 'Memcached',
  15672: 'RabbitMQ management',
  26257: 'CockroachDB',
  27017: 'MongoDB',
};

export function sensitiveServicePorts(): Readonly<Record<number, string>> {
  return DEFAULT_SENSITIVE_SERVICE_PORTS;
}

export function sensitiveServiceNames(): readonly string[] {
  return listItems('sensitive_service_names');
}

/** What sensitive service a Service fronts, by its ports first, then by name. */
function sensitiveBackend(svc: Json): string | undefined {
  const ports = asArray(asObject(svc.spec)?.ports).map((p) => asObject(p) ?? {});
  for (const p of ports)
    for (const n of [p.port, p.targetPort]) {
      const known = typeof n === 'number' ? sensitiveServicePorts()[n] : undefined;
      if (known) return `${known} (port ${n})`;
    }
  const names = [...serviceNames(svc), ...ports.flatMap((p) => [asString(p.name), asString(p.targetPort)])];
  return sensitiveServiceNames().find((name) => names.some((v) => hasNamePart(v, name)));
}

export const k8sExposedSensitiveService: AuditRule = {
  id: 'k8s-exposed-sensitive-service',
  version: 1,
  title: 'Sensitive service exposed outside the cluster',
  description:
    'A LoadBalancer or NodePort Service, or one with externalIPs, was put in front of a database or another ' +
    'service that must not face the network (PostgreSQL, MySQL, MongoDB, Redis, Elasticsearch, etcd, Kafka, the ' +
    'Docker API, the kubelet API...), recognised by its well-known ports or its names. Exposed data stores are ' +
    'found by internet scanners within hours and are a leading cause of data theft and ransom notes. Web consoles ' +
    'are the k8s-exposed-dashboard rule\'s. Known benign: internal load balancers (check the Service\'s ' +
    'annotations), managed database proxies; except them by name. Triage: whether the load balancer is internal or ' +
    'public, its source ranges (loadBalancerSourceRanges), the service\'s authentication, and who changed it.',
  severity: 'SEVERITY_HIGH',
  mitre: { id: 'T1190', name: 'Exploit Public-Facing Application', tactic: 'Initial Access' },
  sources: ['k8s_audit'],
  match(ev, record) {
    if (record.resource !== 'services' || record.subresource || !succeededWrite(ev)) return null;
    const svc = writtenObject(ev, 'Service');
    const exposure = svc && serviceExposure(svc);
    const backend = exposure && sensitiveBackend(svc);
    if (!backend) return null;
    return {
      summary: `${actor(record)} exposed ${backend} with Service ${objectName(record)} (${exposure})`,
      namespace: record.namespace,
      fields: { service: backend, exposure },
      subject: { name: record.name, labels: serviceSelector(svc) },
    };
  },
};
