import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRulesFile } from '../../../../controlplane/src/config/rules-file';
import { RULES } from '../../../../controlplane/src/detections/rules';
import { KNOWN_LISTS, ruleCatalog } from '../../../../controlplane/src/detections/rule-set';

const parse = (text: string) => parseRulesFile(text, ruleCatalog(RULES), KNOWN_LISTS);
const problems = (text: string) => parse(text).problems.map((p) => `${p.line}:${p.col} ${p.message}`);

describe('rules file: outputs', () => {
  test('no outputs section: every output is off', () => {
    const { file } = parse('');
    assert.deepEqual(file?.outputs, { nats: undefined, falco_http: undefined });
  });

  test('defaults fill what an output leaves out', () => {
    const { file, problems: p } = parse('outputs:\n  nats:\n    url: nats://127.0.0.1:4222\n  falco_http:\n    url: http://sidekick:2801/\n');
    assert.deepEqual(p, []);
    assert.deepEqual(file?.outputs?.nats, { url: 'nats://127.0.0.1:4222', stream: 'VIGIL', subject: 'vigil.alerts', events: false, events_subject: 'vigil.events', duplicate_window: '2m', max_lag: 100_000 });
    assert.deepEqual(file?.outputs?.falco_http, { url: 'http://sidekick:2801/', min_severity: 'info', max_lag: 10_000 });
  });

  test('each bad value is named by its key and line', () => {
    assert.deepEqual(problems('outputs:\n  nats:\n    url: http://127.0.0.1:4222\n'), ['3:10 outputs.nats.url: "http://127.0.0.1:4222" must start with nats:// or tls://']);
    assert.deepEqual(problems('outputs:\n  falco_http:\n    url: sidekick:2801\n'), ['3:10 outputs.falco_http.url: "sidekick:2801" must start with http:// or https://']);
    assert.deepEqual(problems('outputs:\n  nats:\n    url: nats://h:1\n    subject: "vigil.*"\n'), ['4:14 outputs.nats.subject: a NATS subject: tokens of letters, digits, _ or - joined by dots']);
    assert.deepEqual(problems('outputs:\n  nats:\n    url: nats://h:1\n    max_lag: 0\n'), ['4:14 outputs.nats.max_lag: must be >= 1']);
    assert.deepEqual(problems('outputs:\n  nats:\n    url: nats://h:1\n    duplicate_window: soon\n'), ['4:23 outputs.nats.duplicate_window: "soon" is not a duration: a number and one of ms, s, m, h, d, w (e.g. 30s, 7d)']);
    assert.deepEqual(problems('outputs:\n  falco_http:\n    url: http://h/\n    min_severity: loud\n'), ['4:19 outputs.falco_http.min_severity: must be one of info, low, medium, high, critical']);
    assert.deepEqual(problems('outputs:\n  nats:\n    stream: V\n'), ['3:5 outputs.nats: missing "url"']);
    assert.deepEqual(problems('outputs:\n  kafka:\n    url: x\n'), ['2:3 outputs: unknown key "kafka"']);
  });

  test('keys that go together, or exclude each other', () => {
    assert.deepEqual(problems('outputs:\n  nats:\n    url: nats://h:1\n    credentials_file: /a\n    token_file: /b\n'), ['5:17 outputs.nats: give credentials_file or token_file, not both']);
    assert.deepEqual(problems('outputs:\n  falco_http:\n    url: http://h/\n    auth_header: Authorization\n'), ['4:18 outputs.falco_http: auth_header and auth_value_file go together: give both, or neither']);
    assert.deepEqual(problems('outputs:\n  nats:\n    url: nats://h:1\n    events: true\n    events_subject: vigil.alerts\n'), ['5:21 outputs.nats.events_subject: must differ from subject, or consumers cannot tell alerts from events']);
  });
});
