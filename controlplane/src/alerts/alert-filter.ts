/** Whether an alert passes a subscriber's filter (backfill and live alike). */
import type { Alert__Output } from '../../../proto/generated/vigil/v1/Alert';
import type { AlertFilter__Output } from '../../../proto/generated/vigil/v1/AlertFilter';
import { checkContainerPrefix } from '../../../proto/container-prefix';
import { VigilError } from '../../../proto/errors';

export const SEVERITY_RANK: Record<string, number> = {
  SEVERITY_UNSPECIFIED: 0, SEVERITY_INFO: 1, SEVERITY_LOW: 2, SEVERITY_MEDIUM: 3, SEVERITY_HIGH: 4, SEVERITY_CRITICAL: 5,
};

export function checkAlertFilter(f: AlertFilter__Output | null | undefined): void {
  if (f && SEVERITY_RANK[f.min_severity] === undefined) throw new VigilError('INVALID_ARGUMENT', `unknown severity "${f.min_severity}"`);
  if (f?.container_id) checkContainerPrefix(f.container_id);
}

export function alertMatches(a: Alert__Output, f: AlertFilter__Output | null | undefined): boolean {
  if (!f) return true;
  if ((SEVERITY_RANK[a.severity] ?? 0) < (SEVERITY_RANK[f.min_severity] ?? 0)) return false;
  if (f.rule_ids.length && !f.rule_ids.includes(a.rule_id)) return false;
  if (f.namespace && a.namespace !== f.namespace) return false;
  if (f.node_name && a.node_name !== f.node_name) return false;
  if (f.pod && a.pod !== f.pod) return false;
  if (f.container_id && !a.container_id.startsWith(f.container_id)) return false;
  return true;
}
