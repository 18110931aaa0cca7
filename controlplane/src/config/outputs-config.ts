/**
 * The `outputs:` section of the rules file: where alerts (and, for NATS,
 * events) are exported beyond the store. Each output is off unless its key
 * is present. The schema part joins the rules file's schema; the checks a
 * schema cannot express (URL schemes, durations, keys that go together)
 * come back as problems naming the key.
 */
import { durationUpTo } from '../../../proto/cli-values';
import type { SeverityName } from './rules-file';

export interface NatsOutputConfig {
  /** nats:// or tls:// URL of one server of the cluster. */
  url: string;
  stream: string;
  /** Alerts go to this subject; event batches to `<events_subject>.<node>`. */
  subject: string;
  events: boolean;
  events_subject: string;
  credentials_file?: string;
  token_file?: string;
  ca_file?: string;
  /** JetStream's de-duplication window for a stream this output creates, e.g. "2m". */
  duplicate_window: string;
  max_lag: number;
}

export interface FalcoHttpOutputConfig {
  url: string;
  min_severity: SeverityName;
  /** A header carrying a secret read from a file, e.g. Authorization: Bearer … */
  auth_header?: string;
  auth_value_file?: string;
  ca_file?: string;
  max_lag: number;
}

export interface OutputsConfig {
  nats?: NatsOutputConfig;
  falco_http?: FalcoHttpOutputConfig;
}

export type OutputName = keyof OutputsConfig;

const file = { type: 'string', minLength: 1 };
const maxLag = { type: 'integer', minimum: 1, maximum: 100_000_000 };
/** NATS subjects: dot-separated tokens, no wildcards or spaces. */
const subject = { type: 'string', pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' };

/** The section's schema; severities come from the rules file, which embeds it. */
export const outputsSchema = (severities: readonly SeverityName[]) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    nats: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', minLength: 1 },
        stream: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
        subject,
        events: { type: 'boolean' },
        events_subject: subject,
        credentials_file: file,
        token_file: file,
        ca_file: file,
        duplicate_window: { type: 'string', minLength: 1 },
        max_lag: maxLag,
      },
    },
    falco_http: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', minLength: 1 },
        min_severity: { enum: severities },
        auth_header: { type: 'string', pattern: '^[A-Za-z0-9-]+$' },
        auth_value_file: file,
        ca_file: file,
        max_lag: maxLag,
      },
    },
  },
}) as const;

export const NATS_DEFAULTS = { stream: 'VIGIL', subject: 'vigil.alerts', events: false, events_subject: 'vigil.events', duplicate_window: '2m', max_lag: 100_000 } as const;
export const FALCO_HTTP_DEFAULTS = { min_severity: 'info', max_lag: 10_000 } as const;

/** JetStream keeps message ids for de-duplication at most this long here. */
const MAX_DUPLICATE_WINDOW_MS = 7 * 86_400_000;

/** The section with defaults filled in; `raw` has passed the schema. */
export function withDefaults(raw: { nats?: Partial<NatsOutputConfig>; falco_http?: Partial<FalcoHttpOutputConfig> } | undefined): OutputsConfig {
  return {
    nats: raw?.nats && ({ ...NATS_DEFAULTS, ...raw.nats } as NatsOutputConfig),
    falco_http: raw?.falco_http && ({ ...FALCO_HTTP_DEFAULTS, ...raw.falco_http } as FalcoHttpOutputConfig),
  };
}

export function duplicateWindowMs(c: NatsOutputConfig): number {
  return durationUpTo(MAX_DUPLICATE_WINDOW_MS, 1000)(c.duplicate_window);
}

function urlProblem(text: string, schemes: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL (expected ${schemes.map((s) => `${s}//host:port`).join(' or ')})`;
  }
  if (!schemes.includes(url.protocol)) return `"${text}" must start with ${schemes.map((s) => `${s}//`).join(' or ')}`;
  return undefined;
}

/** Problems with the section's values, each as [path of the key, message]. */
export function outputsProblems(c: OutputsConfig): [path: string[], message: string][] {
  const problems: [string[], string][] = [];
  if (c.nats) {
    const url = urlProblem(c.nats.url, ['nats:', 'tls:']);
    if (url) problems.push([['outputs', 'nats', 'url'], `outputs.nats.url: ${url}`]);
    if (c.nats.credentials_file && c.nats.token_file)
      problems.push([['outputs', 'nats', 'token_file'], 'outputs.nats: give credentials_file or token_file, not both']);
    if (c.nats.events && c.nats.events_subject === c.nats.subject)
      problems.push([['outputs', 'nats', 'events_subject'], 'outputs.nats.events_subject: must differ from subject, or consumers cannot tell alerts from events']);
    try {
      duplicateWindowMs(c.nats);
    } catch (err) {
      problems.push([['outputs', 'nats', 'duplicate_window'], `outputs.nats.duplicate_window: ${(err as Error).message}`]);
    }
  }
  if (c.falco_http) {
    const url = urlProblem(c.falco_http.url, ['http:', 'https:']);
    if (url) problems.push([['outputs', 'falco_http', 'url'], `outputs.falco_http.url: ${url}`]);
    if ((c.falco_http.auth_header === undefined) !== (c.falco_http.auth_value_file === undefined))
      problems.push([['outputs', 'falco_http', c.falco_http.auth_header ? 'auth_header' : 'auth_value_file'], 'outputs.falco_http: auth_header and auth_value_file go together: give both, or neither']);
  }
  return problems;
}
