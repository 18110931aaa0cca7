/**
 * The part of Kubernetes' audit.k8s.io/v1 Event that Vigil reads. This is an
 * external format, not Vigil's contract: Vigil's own shape is AuditRecord in
 * proto/vigil/v1/audit.proto. Request and response objects stay untyped JSON
 * and are read through the helpers in k8s-objects.ts.
 */
export interface K8sUser {
  username?: string;
  uid?: string;
  groups?: string[];
}

export interface K8sAuditEvent {
  kind: 'Event';
  apiVersion: string;
  level?: string;
  auditID: string;
  stage: string;
  requestURI?: string;
  verb: string;
  user?: K8sUser;
  impersonatedUser?: K8sUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    uid?: string;
    apiGroup?: string;
    apiVersion?: string;
    subresource?: string;
  };
  responseStatus?: { code?: number; status?: string; reason?: string; message?: string };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  annotations?: Record<string, string>;
}

export const AUDIT_API_VERSION = 'audit.k8s.io/v1';
