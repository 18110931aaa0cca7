/**
 * The metrics flags, declared once for every long-running command (vigil
 * up, controlplane, sensor, and any that comes), and what they mean
 * together. The endpoint is off unless asked for. Off this machine,
 * /metrics needs a token, or the user's explicit word that it may go
 * without one: counters name rules, nodes and load, which is worth hiding.
 */
import * as path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { VigilError } from './errors';
import { isLoopback, parseHostPort } from './host-port';
import type { MetricsAddress } from './metrics-endpoint';
import { readNamedFile } from './read-file';

export interface MetricsFlags {
  metricsListen?: MetricsAddress;
  metricsTokenFile?: string;
  metricsInsecure?: boolean;
}

/** What a command hands to the part that serves the endpoint. */
export interface MetricsSettings {
  listen: MetricsAddress;
  token?: string;
}

/** HOST:PORT, or unix:///absolute/path. */
export function parseMetricsAddress(value: string): MetricsAddress {
  if (value.startsWith('unix://')) {
    const socket = value.slice('unix://'.length);
    if (!path.isAbsolute(socket)) throw new InvalidArgumentError(`"${value}" is not unix:///absolute/path`);
    return { socket };
  }
  try {
    return parseHostPort(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function addMetricsOptions(cmd: Command): Command {
  return cmd
    .option('--metrics-listen <host:port>', 'serve /metrics (Prometheus), /healthz and /readyz over HTTP here (off by default; unix:///path for a socket)', parseMetricsAddress)
    .option('--metrics-token-file <file>', 'bearer token /metrics requires (needed off loopback, unless --metrics-insecure)')
    .option('--metrics-insecure', 'serve /metrics without a token on a non-loopback address');
}

/** The endpoint the flags ask for, or undefined; INVALID_ARGUMENT (exit status 2) when they do not fit together. */
export function metricsSettings(f: MetricsFlags): MetricsSettings | undefined {
  if (!f.metricsListen) {
    if (f.metricsTokenFile || f.metricsInsecure) throw new VigilError('INVALID_ARGUMENT', '--metrics-token-file and --metrics-insecure go with --metrics-listen: give it, or neither');
    return undefined;
  }
  if (f.metricsTokenFile && f.metricsInsecure) throw new VigilError('INVALID_ARGUMENT', '--metrics-token-file and --metrics-insecure contradict each other: give one');
  const at = f.metricsListen;
  if ('host' in at && !isLoopback(at.host) && !f.metricsTokenFile && !f.metricsInsecure)
    throw new VigilError('INVALID_ARGUMENT', `refusing to serve /metrics on ${at.host}:${at.port} to anyone who asks: give --metrics-token-file (Prometheus sends it as a bearer token), or --metrics-insecure`);
  let token: string | undefined;
  if (f.metricsTokenFile) {
    token = readNamedFile(f.metricsTokenFile, '--metrics-token-file').toString('utf8').trim();
    if (!token) throw new VigilError('INVALID_ARGUMENT', `--metrics-token-file ${f.metricsTokenFile} is empty: put the token Prometheus will send in it`);
  }
  return { listen: at, token };
}
