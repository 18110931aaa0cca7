/** One event as one terminal line, in the spirit of execsnoop/tcpconnect/mountsnoop. */
import type { Event__Output } from '../generated/vigil/v1/Event';
import type { ExecutedFile__Output } from '../generated/vigil/v1/ExecutedFile';
import { errnoName } from './errno';

const CONTAINER_WIDTH = 28;

/** namespace/pod:container when the runtime named it, else the short id; '-' on the host. */
export function containerLabel(c: Event__Output['container']): string {
  if (!c?.id) return '-';
  if (!c.pod_name) return `${c.id.slice(0, 12)}${c.metadata_incomplete ? '?' : ''}`;
  return `${c.pod_namespace}/${c.pod_name}:${c.name || 'sandbox'}`.slice(0, CONTAINER_WIDTH);
}

export const EVENT_LINE_HEADER = `${'TIME'.padEnd(12)} ${'EVENT'.padEnd(7)} ${'PID'.padStart(7)} ${'PPID'.padStart(7)} ${'UID'.padStart(5)} ${'COMM'.padEnd(16)} ${'CONTAINER'.padEnd(CONTAINER_WIDTH)} DETAILS`;

function clock(ev: Event__Output): string {
  const ms = Number(BigInt(ev.time_unix_nano) / 1_000_000n);
  return new Date(ms).toISOString().slice(11, 23);
}

function result(code: number): string {
  return code < 0 ? errnoName(-code) : 'ok';
}

/** What the kernel found an executed file to be, when it is worth a look. */
function factsOf(file: ExecutedFile__Output): string[] {
  return [
    file.layer === 'LAYER_UPPER' ? 'upper-layer' : file.layer === 'LAYER_UNKNOWN' ? 'layer=?' : '',
    file.memfd ? `memfd(${file.name})` : file.deleted ? 'deleted' : '',
  ].filter(Boolean);
}

function fileFacts(e: NonNullable<Event__Output['exec']>): string {
  const facts = e.binary ? factsOf(e.binary) : [];
  if (e.interpreter) facts.push(...(e.script ? factsOf(e.script).map((f) => `script:${f}`) : ['script=?']));
  if (e.via_fd) facts.push('via-fd');
  return facts.length ? ` ${facts.join(' ')}` : '';
}

function details(ev: Event__Output): string {
  switch (ev.body) {
    case 'exec': {
      const e = ev.exec!;
      const cut = e.argv_truncated ? ' …' : '';
      return `${e.filename} [${e.argv.join(' ')}${cut}]${e.has_tty ? ' tty' : ''}${e.euid !== ev.process?.uid ? ` euid=${e.euid}` : ''}${fileFacts(e)}`;
    }
    case 'fork':
      return `child=${ev.fork!.child_pid}`;
    case 'exit': {
      const x = ev.exit!;
      return x.signal ? `signal=${x.signal}` : `code=${x.code}`;
    }
    case 'connect': {
      const c = ev.connect!;
      const d = c.destination;
      const where = !d ? '?' : d.family === 'FAMILY_INET6' ? `[${d.address}]:${d.port}` : d.port ? `${d.address}:${d.port}` : d.address || `family=${d.raw_family}`;
      return `${where} ${result(c.result)}`;
    }
    case 'mount': {
      const m = ev.mount!;
      const call = m.call === 'CALL_MOUNT' ? '' : `${m.call.replace('CALL_', '').toLowerCase()} `;
      return `${call}${m.source || '-'} -> ${m.target || '-'} type=${m.fstype || '-'} flags=0x${BigInt(m.flags).toString(16)} ${result(m.result)}`;
    }
    case 'container_started': {
      const d = ev.container_started?.details;
      const c = ev.container!;
      return `container ${c.id.slice(0, 12)} started: image=${c.image || '?'}${d?.privileged ? ' privileged' : ''}${d?.host_network ? ' hostNetwork' : ''}${d?.host_pid ? ' hostPID' : ''}${d?.host_mounts.length ? ` mounts=${d.host_mounts.map((m) => m.host_path).join(',')}` : ''}`;
    }
    case 'container_exited':
      return `container ${ev.container!.id.slice(0, 12)} exited: code=${ev.container_exited?.exit_code}`;
    case 'file': {
      const f = ev.file!;
      const call = f.call.replace('CALL_', '').toLowerCase();
      const access = f.access.replace('ACCESS_', '').toLowerCase();
      // The name as passed, when it differs from the path that matched: the spelling tells how.
      const given = f.name && f.name !== f.path ? ` name=${f.name}` : '';
      const other = f.other_name ? ` other=${f.other_name}` : '';
      return `${access} ${f.path}${f.path_truncated ? '…' : ''} [${f.category || '?'}] ${call}${given}${other} ${result(f.result)}`;
    }
    case 'loss': {
      const l = ev.loss!;
      const unresolved = l.unresolved !== '0' ? `, ${l.unresolved} paths unresolved` : '';
      return `LOST ${l.type.replace('EVENT_TYPE_', '').toLowerCase()}: ${l.ringbuf_full} ring buffer full, ${l.pending_full} pairing map full${unresolved}`;
    }
    default:
      return '';
  }
}

export function formatEventLine(ev: Event__Output): string {
  const p = ev.process;
  const container = containerLabel(ev.container);
  return [
    clock(ev).padEnd(12),
    (ev.body === 'container_started' ? 'start' : ev.body === 'container_exited' ? 'stop' : (ev.body ?? '?')).padEnd(7),
    String(p?.pid ?? '-').padStart(7),
    String(p?.ppid ?? '-').padStart(7),
    String(p?.uid ?? '-').padStart(5),
    (p?.comm ?? '-').padEnd(16),
    container.padEnd(CONTAINER_WIDTH),
    // Lifecycle records print their image already.
    details(ev) + (ev.container?.image && !ev.body?.startsWith('container_') ? ` image=${ev.container.image}` : ''),
  ].join(' ');
}
