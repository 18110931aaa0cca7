import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerIdFromCgroupName } from '../../../../sensor/src/identity/cgroup-to-container';

const ID = '0123456789abcdef'.repeat(4);

describe('containerIdFromCgroupName', () => {
  test('runtimes name the leaf cgroup after the container', () => {
    for (const name of [ID, `cri-containerd-${ID}.scope`, `crio-${ID}.scope`, `docker-${ID}.scope`, `libpod-${ID}.scope`])
      assert.equal(containerIdFromCgroupName(name), ID, name);
  });

  test('host cgroups and look-alikes are not containers', () => {
    for (const name of ['', '/', 'user.slice', 'session-3.scope', `pod${ID.slice(0, 36)}`, ID.slice(1), ID.toUpperCase(), `foo-${ID}.scope`, `crio-${ID}`])
      assert.equal(containerIdFromCgroupName(name), '', name);
  });

  test('answers stay right when asked again, and past the bound of those it keeps', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => i.toString(16).padStart(64, '0'));
    for (const round of [1, 2]) {
      for (const id of ids) assert.equal(containerIdFromCgroupName(`crio-${id}.scope`), id, `round ${round}`);
      assert.equal(containerIdFromCgroupName('user.slice'), '', `round ${round}`);
    }
  });
});
