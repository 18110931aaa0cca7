import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clampToLimits, fieldLimitProblem } from '../../../proto/field-limits';
import { eventCodec } from '../../../proto/loader';
import type { Event__Output } from '../../../proto/generated/vigil/v1/Event';
import { execEvent } from '../../helpers/synthetic-events';

/** An event as the control plane sees it: decoded from the wire, every field at its default. */
const decoded = (ev: Event__Output): Event__Output => eventCodec().decode(eventCodec().encode(ev));
const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
const started = (details: object) => decoded({ body: 'container_started', time_unix_nano: '1', container: { id: 'c'.repeat(64) }, container_started: { details } } as Event__Output);

describe('field limits', () => {
  test('an ordinary event is within every bound', () => {
    assert.equal(fieldLimitProblem('vigil.v1.Event', decoded(execEvent({ argv: ['/bin/sh', '-c', 'id'] }))), undefined);
  });

  test('each kind of field past its bound is named with its path', () => {
    const cases: [string, Event__Output, RegExp][] = [
      ['a 2 MB argument', decoded(execEvent({ argv: ['/bin/true', 'x'.repeat(2 * 1024 * 1024)] })), /^exec\.argv\[1\] is 2097152 characters \(limit 4096\)$/],
      ['more arguments than the kernel can copy', decoded(execEvent({ argv: Array.from({ length: 4097 }, () => '') })), /^exec\.argv has 4097 entries \(limit 4096\)$/],
      ['a long comm', decoded({ ...execEvent(), process: { pid: 1, comm: 'c'.repeat(17) } } as Event__Output), /^process\.comm is 17 characters \(limit 16\)$/],
      ['an ancestor\'s long argument', decoded({ ...execEvent(), ancestry: [{ pid: 2 }, { pid: 3, argv: ['a', 'b'.repeat(5000)] }] } as Event__Output), /^ancestry\[1\]\.argv\[1\] is 5000 characters/],
      ['too many ancestors', decoded({ ...execEvent(), ancestry: Array.from({ length: 65 }, (_, i) => ({ pid: i + 2 })) } as Event__Output), /^ancestry has 65 entries \(limit 64\)$/],
      ['too many pod labels', started({ pod_labels: labels(1025) }), /^container_started\.details\.pod_labels has 1025 entries \(limit 1024\)$/],
      ['a long label value', started({ labels: { app: 'v'.repeat(4097) } }), /^container_started\.details\.labels\["app"\] is 4097 characters/],
      ['a long container id', decoded({ ...execEvent(), container: { id: 'f'.repeat(129) } } as Event__Output), /^container\.id is 129 characters \(limit 128\)$/],
    ];
    for (const [what, ev, expected] of cases) assert.match(fieldLimitProblem('vigil.v1.Event', ev) ?? 'within bounds', expected, what);
  });

  test('an unlinked binary at PATH_MAX still fits: its " (deleted)" is allowed for', () => {
    const exe = `/${'d'.repeat(4094)} (deleted)`;
    assert.equal(fieldLimitProblem('vigil.v1.Event', decoded({ ...execEvent(), process: { pid: 1, exe } } as Event__Output)), undefined);
  });

  test('clamping cuts what a pod may choose down to the bounds, so its events are never refused', () => {
    const ev = started({ pod_labels: labels(3000), labels: { app: 'v'.repeat(10_000) }, capabilities: Array.from({ length: 2000 }, () => 'CHOWN') });
    clampToLimits('vigil.v1.Event', ev);
    const d = ev.container_started!.details!;
    assert.equal(Object.keys(d.pod_labels).length, 1024);
    assert.equal(d.labels.app.length, 4096);
    assert.equal(d.capabilities.length, 1024);
    assert.equal(fieldLimitProblem('vigil.v1.Event', ev), undefined);
  });

  test('request messages are bounded the same way', () => {
    assert.match(fieldLimitProblem('vigil.v1.ListAlertsRequest', { filter: { rule_ids: Array.from({ length: 2000 }, () => 'x') } }) ?? '', /^filter\.rule_ids has 2000 entries/);
    assert.match(fieldLimitProblem('vigil.v1.Hello', { node_name: 'n', sensor_version: 'v'.repeat(5000) }) ?? '', /^sensor_version is 5000 characters/);
  });
});

describe('field limits, judged by the bytes a message came from', () => {
  test('what its bytes cannot hold is not looked at; what they can is still found', () => {
    const ev = decoded(execEvent({ argv: ['/bin/true', 'x'.repeat(5000)] }));
    assert.equal(fieldLimitProblem('vigil.v1.Event', ev, 4000), undefined, 'a 4000-byte event holds no 5000-character argument: not read');
    assert.match(fieldLimitProblem('vigil.v1.Event', ev, eventCodec().encode(ev).length) ?? '', /exec\.argv\[1\] is 5000 characters/);
    const longComm = decoded({ ...execEvent(), process: { pid: 1, comm: 'c'.repeat(17) } } as Event__Output);
    assert.match(fieldLimitProblem('vigil.v1.Event', longComm, eventCodec().encode(longComm).length) ?? '', /process\.comm is 17 characters/, 'small bounds are still checked in small events');
  });
});
