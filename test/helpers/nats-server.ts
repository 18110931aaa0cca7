/**
 * A real nats-server with JetStream, on a free 127.0.0.1 port with its store
 * in a directory the caller keeps, so that a server killed with SIGKILL can
 * be started again on the same port and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { gate } from './kernel-gate';

/** Where Debian's nats-server package puts it. */
export const NATS_SERVER = '/usr/sbin/nats-server';

/** `describe` options: skip (fail in CI) when nats-server is not installed. */
export function natsTestOptions(): { skip?: string; timeout: number } {
  return gate(fs.existsSync(NATS_SERVER) ? undefined : `needs ${NATS_SERVER} (Debian package nats-server)`, 'NATS JetStream tests');
}


export class NatsServer {
  private child: ChildProcess | undefined;
  private log = '';

  constructor(
    readonly port: number,
    private readonly storeDir: string,
    /** Clients must present this token (nats-server --auth). */
    private readonly token?: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts it and resolves once it accepts clients. */
  async start(): Promise<void> {
    this.log = '';
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir, ...(this.token ? ['--auth', this.token] : [])];
    const child = spawn(NATS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    const deadline = Date.now() + 10_000;
    while (!/Server is ready/.test(this.log)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server on port ${this.port} did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Ends it with `signal` (SIGKILL: as a crash) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }
}
