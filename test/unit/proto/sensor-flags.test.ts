import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { addSensorOptions, type SensorOptionFlags } from '../../../proto/client-connection';

const parse = (args: string[]) => addSensorOptions(new Command().exitOverride().configureOutput({ writeErr: () => undefined })).parse(args, { from: 'user' }).opts<SensorOptionFlags>();

describe('the node sensor\'s batch interval flag', () => {
  test('is 200 ms unless given, and takes a duration', () => {
    assert.equal(parse([]).batchInterval, 200);
    assert.equal(parse(['--batch-interval', '1s']).batchInterval, 1000);
    assert.equal(parse(['--batch-interval', '10ms']).batchInterval, 10);
  });

  test('refuses what is outside 10 ms to 10 s', () => {
    for (const v of ['9ms', '11s', '200']) assert.throws(() => parse(['--batch-interval', v]), /out of range|not a duration/, v);
  });
});
