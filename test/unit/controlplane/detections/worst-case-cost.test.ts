import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DetectionEngine } from '../../../../controlplane/src/detections/engine';
import { RuleSet } from '../../../../controlplane/src/detections/rule-set';
import { RULES } from '../../../../controlplane/src/detections/rules';
import { CONTAINER_ID, execEvent } from '../../../helpers/synthetic-events';
import { proc } from '../../../helpers/rule-context';

describe('worst-case cost (review 1): command lines made to be slow cost what any line of their length costs', () => {
  const engine = new DetectionEngine(RuleSet.build(RULES));
  const fill = (unit: string, bytes: number) => unit.repeat(Math.floor(bytes / unit.length));
  /** The shapes the review timed (0.7 s per exec for the first) and others that stress the parser. */
  const UNITS = ['mkfifo|||||||', 'mkfifo|', 'curl;chmod 777 ', 'curl;chmod 777 ;;;;;;;', 'curl | base64 -d |', 'telnet |a', 'openssl s_client |', 'exec 5<>/dev/tcp/h/1;', 'python3 -c x;', '$(curl x)|', '"$(', 'a=b ', 'x -c ', 'https://h/x -o x ', 'zpool.ca:1 -a rx/0 '];

  /** Milliseconds the engine takes over one exec of `argv`, every rule on (the median of 5, after a warm-up). */
  function cost(filename: string, argv: string[]): number {
    const ev = () => execEvent({ pid: 7000, nsPid: 70, filename, argv, containerId: CONTAINER_ID, ancestry: [proc(6999, '/bin/sh', ['sh', '-c', argv.at(-1)!], 'sh')] });
    engine.evaluate('n', [ev()]);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const e = ev();
      const t = process.hrtime.bigint();
      engine.evaluate('n', [e]);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return times.sort((a, b) => a - b)[2];
  }

  for (const [bytes, budgetMs] of [[4096, 50], [65_536, 800]] as const)
    test(`${bytes} bytes of argv is judged within ${budgetMs} ms, whatever it repeats`, () => {
      for (const unit of UNITS) {
        const text = fill(unit, bytes - 10);
        for (const [filename, argv] of [['/bin/sh', ['sh', '-c', text]], ['/usr/bin/python3', ['python3', '-c', text]], ['/tmp/x', ['/tmp/x', ...text.split(' ')]]] as const) {
          const ms = cost(filename, [...argv]);
          assert.ok(ms < budgetMs, `${JSON.stringify(unit)} × ${bytes} B as ${filename}: ${ms.toFixed(1)} ms`);
        }
      }
    });
});
