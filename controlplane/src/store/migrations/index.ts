/** Ordered schema migrations; PRAGMA user_version holds how many have run. */
import { sql as initial } from './001-initial';
import { sql as audit } from './002-audit';
import { sql as auditAlertsAndGaps } from './003-audit-alerts-and-gaps';
import { sql as credentials } from './004-credentials';
import { sql as gapWindows } from './005-gap-windows';
import { sql as healthProbe } from './006-health-probe';
import { sql as nodeAlerts } from './007-node-alerts';
import { sql as outputs } from './008-outputs';
import { sql as ancestries } from './009-ancestries';

export const MIGRATIONS: readonly string[] = [initial, audit, auditAlertsAndGaps, credentials, gapWindows, healthProbe, nodeAlerts, outputs, ancestries];
