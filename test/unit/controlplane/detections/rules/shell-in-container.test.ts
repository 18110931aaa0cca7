import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shellInContainer } from '../../../../../controlplane/src/detections/rules/shell-in-container';
import type { DetectionContext } from '../../../../../controlplane/src/detections/rule';
import { CONTAINER_ID, execEvent } from '../../../../helpers/synthetic-events';

const ctx: DetectionContext = { node: 'n', ancestry: () => [] };

describe('rule shell-in-container', () => {
  test('should trigger', () => {
    for (const ev of [
      execEvent({ filename: '/bin/sh', argv: ['sh', '-c', 'id'], containerId: CONTAINER_ID, parentComm: 'php-fpm' }),
      execEvent({ filename: '/usr/bin/bash', argv: ['bash'], containerId: CONTAINER_ID, parentComm: 'java' }),
      // busybox applets: /bin/busybox with argv[0] naming the shell
      execEvent({ filename: '/bin/busybox', argv: ['ash'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/proc/self/exe', argv: ['sh', '-c', 'x'], containerId: CONTAINER_ID }),
    ])
      assert.ok(shellInContainer.match(ev, ctx), `${ev.exec?.filename} ${ev.exec?.argv}`);
  });

  test('should not trigger', () => {
    for (const ev of [
      execEvent({ filename: '/bin/sh', argv: ['sh'] }), // host
      execEvent({ filename: '/bin/cat', argv: ['cat'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/bin/sh', argv: ['sh', '/entrypoint.sh'], containerId: CONTAINER_ID, parentComm: 'runc:[2:INIT]' }),
      execEvent({ filename: '/bin/busybox', argv: ['wget'], containerId: CONTAINER_ID }),
      execEvent({ filename: '/usr/bin/shellcheck', argv: ['shellcheck'], containerId: CONTAINER_ID }),
    ])
      assert.equal(shellInContainer.match(ev, ctx), null, `${ev.exec?.filename} ${ev.exec?.argv}`);
  });

  test('names its technique and says how to triage', () => {
    assert.equal(shellInContainer.mitre.id, 'T1059.004');
    assert.match(shellInContainer.description, /Triage/);
  });
});
