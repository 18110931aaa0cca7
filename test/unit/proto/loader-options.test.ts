import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PROTO_LOADER_OPTIONS } from '../../../proto/loader';

test('the type generator gets the same options as the loader', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8'));
  const cmd: string = pkg.scripts['build:proto'];
  const expected = { keepCase: '--keepCase', longs: '--longs=String', enums: '--enums=String', defaults: '--defaults', oneofs: '--oneofs' };
  for (const [key, flag] of Object.entries(expected)) {
    assert.ok(key in PROTO_LOADER_OPTIONS, `loader lacks ${key}`);
    assert.ok(cmd.includes(flag), `build:proto lacks ${flag}`);
  }
  assert.equal(PROTO_LOADER_OPTIONS.longs, String);
  assert.equal(PROTO_LOADER_OPTIONS.enums, String);
});
