/** Starts a real KernelSensor and records every event it delivers. */
import { KernelSensor, type KernelSensorOptions } from '../../sensor/src/kernel-sensor';
import type { Event__Output } from '../../proto/generated/vigil/v1/Event';

export class EventRecorder {
  readonly events: Event__Output[] = [];
  readonly errors: string[] = [];
  readonly sensor: KernelSensor;

  constructor(options: KernelSensorOptions = {}) {
    this.sensor = KernelSensor.start({ flushMs: 10, ...options });
    this.sensor.onBatch((b) => {
      this.events.push(...b.events);
      this.errors.push(...b.errors);
    });
  }

  /** Resolves with the first recorded event matching `pred`, or rejects after `ms`. */
  async waitFor(what: string, pred: (ev: Event__Output) => boolean, ms = 5000): Promise<Event__Output> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${what} event within ${ms} ms (${this.events.length} events recorded)`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits one flush period more, so events that would arrive have arrived. */
  async settle(ms = 200): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  }

  stop() {
    return this.sensor.stop();
  }
}
