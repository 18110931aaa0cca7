import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openStore } from '../../../../controlplane/src/store/db';
import { EventsRepo } from '../../../../controlplane/src/store/events-repo';
import { Retention } from '../../../../controlplane/src/store/retention';
import type { Event__Output } from '../../../../proto/generated/vigil/v1/Event';
import type { EventFilter__Output } from '../../../../proto/generated/vigil/v1/EventFilter';
import { batchRowsOf, containerStarted, eventFilter, execEvent, execInPod, type PodRef } from '../../../helpers/synthetic-events';
import { tempDir } from '../../../helpers/temp-dir';

const pod = (name: string, namespace: string, id: string): PodRef => ({ containerId: id.padEnd(64, '0'), namespace, pod: name, podUid: `uid-${name}` });
const exited = (p: PodRef, code: number): Event__Output => ({ ...containerStarted(p), body: 'container_exited', container_started: null, container_exited: { exit_code: code } });

describe('containers in the store', () => {
  const db = openStore(tempDir());
  const events = new EventsRepo(db);
  const web = pod('web-1', 'shop', 'aa01');
  const job = pod('job-1', 'batch', 'bb02');
  let seq = 0n;
  const write = (evs: Event__Output[]) => db.transaction(() => events.insertBatch('node-1', ++seq, batchRowsOf(evs), null))();
  write([containerStarted(web), execInPod(web, { pid: 10 }), containerStarted(job), execInPod(job, { pid: 20 }), execEvent({ pid: 30 })]);
  write([execInPod(job, { pid: 21 }), exited(job, 3)]);

  const pids = (f: Partial<EventFilter__Output>) => events.list(eventFilter(f), 100, '').events.map((e) => e.event?.process?.pid ?? 0);

  test('events are found by pod and by namespace, host events by neither', () => {
    assert.deepEqual(pids({ pod_namespace: 'shop', pod_name: 'web-1' }), [10, 0]);
    assert.deepEqual(pids({ pod_namespace: 'batch' }), [0, 21, 20, 0]);
    assert.deepEqual(pids({ pod_name: 'nope' }), []);
  });

  test('the list says where each ran, its metadata and whether it exited', () => {
    const seen = events.containers.list(10);
    assert.deepEqual(seen.map((c) => [c.node, c.started.container?.pod_name, c.exited?.container_exited?.exit_code]), [['node-1', 'job-1', 3], ['node-1', 'web-1', undefined]]);
    assert.deepEqual(events.containers.list(10, 'shop').map((c) => c.started.container?.id), [web.containerId]);
  });

  test('retention forgets an exited container once its events are gone, and keeps a running one', async () => {
    await new Retention(db, { maxBytes: 1 }, () => undefined).runOnce();
    assert.equal(events.count(), 0);
    assert.deepEqual(events.containers.list(10).map((c) => c.started.container?.pod_name), ['web-1']);
    // A late event of the forgotten container gets a fresh key and is found again.
    write([execInPod(job, { pid: 22 })]);
    assert.deepEqual(pids({ container_id: job.containerId }), [22]);
  });
});
