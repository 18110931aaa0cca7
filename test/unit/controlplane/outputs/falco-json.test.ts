import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Alert__Output } from '../../../../proto/generated/vigil/v1/Alert';
import { falcoPriority, rfc3339Nano, toFalcoPayload } from '../../../../controlplane/src/outputs/falco-json';

function alert(over: Partial<Alert__Output>): Alert__Output {
  return {
    id: '7', rule_id: 'r', rule_version: 1, title: 'T', severity: 'SEVERITY_HIGH', mitre: null, description: '', summary: 's', node_name: 'n',
    container_id: '', namespace: '', pod: '', pid: 0, first_seen_unix_nano: '1700000000123456789', last_seen_unix_nano: '1700000000123456789',
    count: 1, evidence: null, pod_uid: '', audit_ids: [], origin: null, ...over,
  };
}

describe('Falco JSON', () => {
  test('Vigil severities map onto Falco priorities, most severe to least', () => {
    assert.deepEqual(
      ['SEVERITY_CRITICAL', 'SEVERITY_HIGH', 'SEVERITY_MEDIUM', 'SEVERITY_LOW', 'SEVERITY_INFO', 'SEVERITY_UNSPECIFIED'].map(falcoPriority),
      ['Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'],
    );
    assert.equal(falcoPriority('SEVERITY_FROM_THE_FUTURE'), 'Debug');
  });

  test('times keep all nine digits of the nanoseconds', () => {
    assert.equal(rfc3339Nano('1700000000123456789'), '2023-11-14T22:13:20.123456789Z');
    assert.equal(rfc3339Nano('1700000000000000001'), '2023-11-14T22:13:20.000000001Z');
  });

  test('an audit alert is a k8s_audit event with the ka. fields Falco uses', () => {
    const p = toFalcoPayload(
      alert({
        node_name: 'prod-cluster',
        evidence: {
          event: null, ancestry: [], container: null, fields: { 'rule_id': 'spoofed' },
          audit: { audit_id: 'a1', stage: 'ResponseComplete', time_unix_nano: '0', verb: 'create', username: 'mallory', groups: [], source_ips: ['10.0.0.9'], user_agent: 'kubectl', resource: 'pods', subresource: 'exec', api_group: '', namespace: 'shop', name: 'web-0', response_code: 101, decision: '', request_uri: '/api/v1/namespaces/shop/pods/web-0/exec', object_uid: '', time_source: '', intake_notes: [], impersonated_user: '', api_version: 'v1' },
        },
      }),
    );
    assert.equal(p.source, 'k8s_audit');
    assert.equal(p.priority, 'Error');
    assert.equal(p.hostname, 'prod-cluster');
    assert.equal(p.output_fields['ka.user.name'], 'mallory');
    assert.equal(p.output_fields['ka.target.subresource'], 'exec');
    assert.deepEqual(p.output_fields['ka.sourceips'], ['10.0.0.9']);
    assert.equal(p.output_fields['vigil.rule_id'], 'r', "a rule's evidence field cannot hide the alert's own");
    assert.equal(p.output_fields['container.id'], undefined, 'no empty fields');
  });
});
