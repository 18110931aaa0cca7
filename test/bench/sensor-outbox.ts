/**
 * What the crash-safe path costs the sensor: real kernel events, batched as
 * the sensor batches them, either only encoded (what sending needs anyway)
 * or enqueued in the outbox (encoded once, framed with a CRC and appended
 * to the write-ahead log before it may be sent, then acknowledged as a
 * control plane keeping up would). Events/s of each, and the microseconds
 * per event the log adds.
 */
import { sensorMessageCodec } from '../../proto/loader';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';
import { Outbox } from '../../sensor/src/outbox';
import { tempDir } from '../helpers/temp-dir';
import { recordMix } from './kernel-mix';
import { median, round } from './stats';

const BATCH = 256;

function rate(seconds: number, step: () => number): number {
  const end = performance.now() + seconds * 1000;
  let events = 0;
  const start = performance.now();
  while (performance.now() < end) events += step();
  return events / ((performance.now() - start) / 1000);
}

export async function benchSensorOutbox(seconds = 2, rounds = 3): Promise<Record<string, unknown>> {
  const mix = await recordMix();
  const batches: Event__Output[][] = [];
  for (let i = 0; i + BATCH <= mix.length; i += BATCH) batches.push(mix.slice(i, i + BATCH));
  const outbox = new Outbox({ dir: tempDir('vigil-bench-outbox-'), nodeName: 'bench-node' });
  let i = 0;
  const encodeOnly: number[] = [];
  const durable: number[] = [];
  for (let r = 0; r < rounds; r++) {
    encodeOnly.push(rate(seconds, () => {
      const events = batches[i++ % batches.length];
      sensorMessageCodec().encode({ batch: { node_name: 'bench-node', seq: '1', events } });
      return events.length;
    }));
    durable.push(rate(seconds, () => {
      const events = batches[i++ % batches.length];
      const seq = outbox.enqueue(events, events.length)!;
      outbox.ackUpTo(seq);
      return events.length;
    }));
  }
  outbox.close();
  const [plain, safe] = [median(encodeOnly), median(durable)];
  return {
    what: 'recorded kernel events in batches of 256: encoded only vs through the write-ahead outbox (append + CRC, acknowledged at once)',
    events: mix.length,
    encode_only_events_per_s: Math.round(plain),
    write_ahead_events_per_s: Math.round(safe),
    added_us_per_event: round(1e6 / safe - 1e6 / plain, 2),
  };
}
