/**
 * Kubernetes' audit Event (audit.k8s.io v1, v1beta1 and v1alpha1) as Vigil
 * reads it after intake. This is an external format, not Vigil's contract:
 * Vigil's own shape is AuditRecord in proto/vigil/v1/audit.proto. Intake has
 * checked the types of every field named here (audit-schema.ts), so a field
 * is either absent or of its type; it has also filled in auditID, stage and
 * verb, which sources sometimes drop. Request and response objects stay
 * untyped JSON and are read through the helpers in k8s-objects.ts.
 */
export interface K8sUser {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface K8sObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface K8sAuditEvent {
  kind?: string;
  apiVersion?: string;
  level?: string;
  auditID: string;
  stage: string;
  requestURI?: string;
  verb: string;
  user?: K8sUser;
  impersonatedUser?: K8sUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: K8sObjectRef;
  responseStatus?: { code?: number; status?: string; reason?: string; message?: string };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  /** audit.k8s.io/v1alpha1's only time field. */
  timestamp?: string;
  annotations?: Record<string, string>;
}

export const AUDIT_API_VERSION = 'audit.k8s.io/v1';
