import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { VIGIL } from '../../../helpers/vigil-cli';
import { tempDir } from '../../../helpers/temp-dir';

/** The files `vigil args...` had loaded when it exited. */
function modulesLoadedBy(args: string[]): string[] {
  const out = path.join(tempDir(), 'modules.json');
  const hook = path.join(tempDir(), 'hook.js');
  fs.writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));`);
  execFileSync(process.execPath, ['--require', hook, VIGIL, ...args], { stdio: 'ignore' });
  return JSON.parse(fs.readFileSync(out, 'utf8')) as string[];
}

describe('each command loads only its own modules', () => {
  test('vigil sensor holds none of the control plane\'s code or libraries', () => {
    const loaded = modulesLoadedBy(['sensor', '--help']);
    assert.ok(loaded.some((f) => f.includes(`${path.sep}sensor${path.sep}src${path.sep}cli${path.sep}sensor-run`)), 'the sensor command itself');
    assert.deepEqual(loaded.filter((f) => f.includes(`${path.sep}controlplane${path.sep}`) || /node_modules[\\/](better-sqlite3|@nats-io|ajv)[\\/]/.test(f)), []);
  });

  test('vigil --help still lists every command', () => {
    const loaded = modulesLoadedBy(['--help']);
    assert.ok(loaded.some((f) => f.includes(`${path.sep}controlplane${path.sep}src${path.sep}cli${path.sep}up`)));
    assert.ok(loaded.some((f) => f.includes(`${path.sep}sensor${path.sep}src${path.sep}cli${path.sep}trace`)));
  });
});
