import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { terminalShellInContainer } from '../../../../../controlplane/src/detections/rules/terminal-shell-in-container';
import type { DetectionContext } from '../../../../../controlplane/src/detections/rule';
import { CONTAINER_ID, execEvent } from '../../../../helpers/synthetic-events';

const ctx: DetectionContext = { node: 'n', ancestry: () => [] };

describe('rule terminal-shell-in-container', () => {
  test('should trigger: a shell with a terminal in a container', () => {
    const f = terminalShellInContainer.match(execEvent({ filename: '/bin/bash', argv: ['bash', '-i'], containerId: CONTAINER_ID, tty: true, uid: 1000 }), ctx);
    assert.ok(f);
    assert.match(f.summary, /interactive shell \/bin\/bash with a terminal in container c0ffee000000 \(uid 1000\)/);
  });

  test('should not trigger: no terminal, on the host, or not a shell', () => {
    for (const ev of [
      execEvent({ filename: '/bin/bash', containerId: CONTAINER_ID, tty: false }),
      execEvent({ filename: '/bin/bash', tty: true }),
      execEvent({ filename: '/usr/bin/vim', containerId: CONTAINER_ID, tty: true }),
    ])
      assert.equal(terminalShellInContainer.match(ev, ctx), null);
  });
});
