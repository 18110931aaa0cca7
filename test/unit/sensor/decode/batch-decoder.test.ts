import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchDecoder } from '../../../../sensor/src/decode';
import { RecordBuilder, frame, layout } from '../../../helpers/record-builder';

const decoder = new BatchDecoder(layout, 1_700_000_000_000_000_000n);

describe('BatchDecoder', () => {
  test('decodes an exec record field by field', () => {
    const f = layout.exec;
    const id = 'a'.repeat(64);
    const rec = new RecordBuilder('exec', { pid: 42, tgid: 42, ppid: 7, uid: 1000, comm: 'curl', cgroupName: id, cgroupId: 9876n, bootNs: 5n })
      .str(f.filename, '/usr/bin/curl')
      .bytes(f.args, Buffer.from('curl\0-s\0http://x\0'))
      .u32(f.args_len, 17)
      .u32(f.argc, 3)
      .u32(f.euid, 0)
      .u64(f.cap_effective, 0x1ffn)
      .u32(f.has_tty, 1)
      .str(f.parent_comm, 'bash');
    const { events, errors } = decoder.decode(frame([rec.buf]));
    assert.deepEqual(errors, []);
    assert.equal(events.length, 1);
    const ev = events[0];
    assert.equal(ev.body, 'exec');
    assert.deepEqual(ev.process, { pid: 42, tid: 42, ppid: 7, uid: 1000, gid: 0, comm: 'curl', exe: '', argv: [], ns_pid: 0 });
    assert.deepEqual(ev.container, { cgroup_id: '9876', cgroup_name: id, id, name: '', image: '', pod_name: '', pod_namespace: '', pod_uid: '', metadata_incomplete: false });
    assert.equal(ev.time_unix_nano, '1700000000000000005');
    assert.deepEqual(ev.exec, {
      filename: '/usr/bin/curl',
      argv: ['curl', '-s', 'http://x'],
      argc: 3,
      argv_truncated: false,
      filename_truncated: false,
      euid: 0,
      cap_effective: '511',
      has_tty: true,
      parent_comm: 'bash',
      binary: null,
      script: null,
      interpreter: '',
      via_fd: false,
    });
  });

  test('64-bit fields decode exactly: past 2^53, up to 2^64 - 1, with a carry between their halves, and a clock offset below zero', () => {
    const f = layout.exec;
    const exec = (bootNs: bigint) =>
      new RecordBuilder('exec', { cgroupId: 2n ** 64n - 1n, bootNs })
        .u32(f.args_len, 0)
        .u64(f.cap_effective, 2n ** 63n + 12_345n);
    const [carried, wrapped] = decoder.decode(frame([exec(0xffff_ffffn + 2n ** 40n).buf, exec(2n ** 64n - 1n).buf])).events;
    assert.equal(carried.boot_ns, String(0xffff_ffffn + 2n ** 40n));
    assert.equal(carried.time_unix_nano, String(1_700_000_000_000_000_000n + 0xffff_ffffn + 2n ** 40n));
    assert.equal(carried.container!.cgroup_id, '18446744073709551615');
    assert.equal(carried.exec!.cap_effective, String(2n ** 63n + 12_345n));
    assert.equal(wrapped.boot_ns, '18446744073709551615');
    assert.equal(wrapped.time_unix_nano, String((2n ** 64n - 1n + 1_700_000_000_000_000_000n) % 2n ** 64n), 'modulo 2^64, as a uint64 field holds it');
    const behind = new BatchDecoder(layout, -7n).decode(frame([exec(10n).buf])).events[0];
    assert.equal(behind.time_unix_nano, '3');
  });

  test('decodes the executed file\'s facts: layer, identity, memfd, deleted, script, fd exec', () => {
    const f = layout.exec;
    const x = layout.exe;
    const bits = layout.exeFlags;
    const slot = (rec: RecordBuilder, base: number, flags: number, name: string, nlink = 1) =>
      rec.u32(base + x.flags, flags).u64(base + x.ino, 77n).u64(base + x.size, 4096n).u32(base + x.nlink, nlink).u32(base + x.dev, (8 << 20) | 1).str(base + x.name, name);
    const upper = new RecordBuilder('exec').str(f.filename, '/tmp/x.sh').str(f.interp, '/bin/sh').u32(f.flags, layout.execInterpreted);
    slot(upper, f.binary, bits.present | bits.overlay, 'sh');
    slot(upper, f.script, bits.present | bits.overlay | bits.upper, 'x.sh');
    const memfd = new RecordBuilder('exec').str(f.filename, '/dev/fd/4');
    slot(memfd, f.binary, bits.present | bits.memfd, 'memfd:x', 0);
    const gone = new RecordBuilder('exec').str(f.filename, '/proc/self/fd/9').u32(f.flags, layout.execInterpreted);
    slot(gone, f.binary, bits.present | bits.overlay | bits.layerUnreadable, 'busybox', 0);
    const nvme = new RecordBuilder('exec').str(f.filename, '/bin/sh');
    slot(nvme, f.binary, bits.present, 'sh').u32(f.binary + x.dev, (259 << 20) | 0xabcde);
    const [a, b, c, d] = decoder.decode(frame([upper.buf, memfd.buf, gone.buf, nvme.buf])).events.map((e) => e.exec!);
    assert.equal(d.binary?.device, '2881553374', 'makedev(259, 0xabcde), as stat(2) gives it: the minor\'s high bits go above the major');
    assert.deepEqual(a.binary, { layer: 'LAYER_LOWER', inode: '77', device: '2049', size: '4096', links: 1, memfd: false, deleted: false, name: 'sh' });
    assert.equal(a.script?.layer, 'LAYER_UPPER');
    assert.equal(a.script?.name, 'x.sh');
    assert.equal(a.interpreter, '/bin/sh');
    assert.equal(a.via_fd, false);
    assert.deepEqual([b.binary?.layer, b.binary?.memfd, b.binary?.deleted, b.via_fd, b.script], ['LAYER_NOT_OVERLAY', true, false, true, null]);
    assert.deepEqual([c.binary?.layer, c.binary?.deleted, c.via_fd], ['LAYER_UNKNOWN', true, true]);
    assert.equal(c.script, null, 'interpreted, but the kernel no longer held the script: unknown, not clean');
  });

  test('decodes exit status words into code and signal', () => {
    const mk = (status: number) => new RecordBuilder('exit').s32(layout.exit.exit_code, status).buf;
    const [normal, killed] = decoder.decode(frame([mk(3 << 8), mk(9)])).events;
    assert.deepEqual(normal.exit, { status: 768, code: 3, signal: 0 });
    assert.deepEqual(killed.exit, { status: 9, code: 0, signal: 9 });
  });

  test('turns counter deltas into Loss events', () => {
    const deltas: number[] = [];
    deltas[layout.eventTypes.exec * layout.counters + layout.counterIds.ringbufFull] = 5;
    deltas[layout.eventTypes.connect * layout.counters + layout.counterIds.pendingFull] = 2;
    deltas[layout.eventTypes.fork * layout.counters + layout.counterIds.emitted] = 100;
    deltas[layout.eventTypes.file * layout.counters + layout.counterIds.unresolved] = 4;
    deltas[layout.eventTypes.file * layout.counters + layout.counterIds.filtered] = 9000; // not a loss
    const { events } = decoder.decode(frame([], deltas));
    assert.deepEqual(
      events.map((e) => e.loss),
      [
        { type: 'EVENT_TYPE_EXEC', ringbuf_full: '5', pending_full: '0', unresolved: '0' },
        { type: 'EVENT_TYPE_CONNECT', ringbuf_full: '0', pending_full: '2', unresolved: '0' },
        { type: 'EVENT_TYPE_FILE', ringbuf_full: '0', pending_full: '0', unresolved: '4' },
      ],
    );
  });

  test('decodes a file record, naming its pattern by (generation, entry)', () => {
    const f = layout.file;
    const patterns = [{ path: '/etc/shadow', category: 'shadow' }, { path: '/home/*/.ssh/', category: 'ssh' }];
    const named = new BatchDecoder(layout, 0n, (gen, entry) => (gen === 7 ? patterns[entry] : undefined));
    const rec = (gen: number, call: number, access: number) =>
      new RecordBuilder('file', { pid: 9, tgid: 9 })
        .s32(f.result, -13)
        .bytes(f.call, Buffer.from([call, 0]))
        .bytes(f.entry, Buffer.from([1, 0]))
        .u32(f.flags, 0o1001)
        .s32(f.dirfd, 4)
        .bytes(f.gen, Buffer.from([gen]))
        .bytes(f.resolution, Buffer.from([layout.resolutions.file]))
        .bytes(f.access, Buffer.from([access]))
        .str(f.path, '/home/bob/.ssh/id_rsa')
        .str(f.name, '.ssh/id_rsa')
        .str(f.other, '').buf;
    const [known, forgotten, garbage] = named.decode(frame([
      rec(7, layout.fileCalls.openat, layout.access.truncate),
      rec(3, layout.fileCalls.renameat2, layout.access.replace),
      rec(7, 200, 0x80),
    ])).events.map((e) => e.file);
    assert.deepEqual(known, {
      call: 'CALL_OPENAT',
      access: 'ACCESS_TRUNCATE',
      path: '/home/bob/.ssh/id_rsa',
      watched: '/home/*/.ssh/',
      category: 'ssh',
      result: -13,
      flags: 0o1001,
      name: '.ssh/id_rsa',
      other_name: '',
      dirfd: 4,
      resolution: 'RESOLUTION_FILE',
      path_truncated: false,
    });
    assert.deepEqual([forgotten?.call, forgotten?.access, forgotten?.watched, forgotten?.category], ['CALL_RENAMEAT2', 'ACCESS_REPLACE', '', ''], 'an unknown generation is left empty, not guessed');
    assert.deepEqual([garbage?.call, garbage?.access], ['CALL_UNSPECIFIED', 'ACCESS_UNSPECIFIED']);
  });

  test('a short file record is an error naming it', () => {
    const short = new RecordBuilder('file', { size: layout.file.size }).buf.subarray(0, layout.file.path);
    const { events, errors } = decoder.decode(frame([short]));
    assert.equal(events.length, 0);
    assert.match(errors[0], new RegExp(`record 0: file record says ${layout.file.size} bytes, frame has ${layout.file.path}`));
  });

  test('a short record is an error naming it; the next record still decodes', () => {
    const good = new RecordBuilder('fork').u32(layout.fork.child_tgid, 55).buf;
    const short = new RecordBuilder('exec').buf.subarray(0, 100);
    const stub = new RecordBuilder('exec').buf.subarray(0, 6);
    const { events, errors } = decoder.decode(frame([short, stub, good]));
    assert.equal(errors.length, 2);
    assert.match(errors[0], new RegExp(`record 0: exec record says ${layout.exec.size} bytes, frame has 100`));
    assert.match(errors[1], /record 1: record of 6 bytes is too short for size/);
    assert.equal(events.length, 1);
    assert.equal(events[0].fork?.child_pid, 55);
  });

  test('an exec record cut after the arguments it uses (as the addon copies it) decodes as the whole record does', () => {
    const f = layout.exec;
    const whole = new RecordBuilder('exec', { pid: 43 }).str(f.filename, '/bin/echo').bytes(f.args, Buffer.from('echo\0hi\0')).u32(f.args_len, 8).u32(f.argc, 2).buf;
    const cut = Buffer.from(whole.subarray(0, f.args + 8));
    cut.writeUInt32LE(cut.length, layout.hdr.size);
    const [a, b] = [whole, cut].map((rec) => decoder.decode(frame([rec])));
    assert.deepEqual(b.errors, []);
    assert.deepEqual(b.events, a.events);
    assert.deepEqual(b.events[0].exec?.argv, ['echo', 'hi']);
  });

  test('an exec record cut short of the arguments it says it holds, or of its fixed fields, is an error naming what is missing', () => {
    const f = layout.exec;
    const whole = new RecordBuilder('exec').bytes(f.args, Buffer.from('echo\0hi\0')).u32(f.args_len, 8).buf;
    const intoArgs = Buffer.from(whole.subarray(0, f.args + 4));
    intoArgs.writeUInt32LE(intoArgs.length, layout.hdr.size);
    const beforeArgs = Buffer.from(whole.subarray(0, f.args - 1));
    beforeArgs.writeUInt32LE(beforeArgs.length, layout.hdr.size);
    const { events, errors } = decoder.decode(frame([intoArgs, beforeArgs]));
    assert.equal(events.length, 0);
    assert.match(errors[0], /record 0: record of \d+ bytes is too short for exec\.args/);
    assert.match(errors[1], new RegExp(`record 1: exec record says ${f.args - 1} bytes, frame has ${f.args - 1}, struct needs ${f.args}`));
  });

  test('a size field that disagrees with the frame is refused', () => {
    const rec = new RecordBuilder('exit', { size: 9999 }).buf;
    const { events, errors } = decoder.decode(frame([rec]));
    assert.equal(events.length, 0);
    assert.match(errors[0], /exit record says 9999 bytes, frame has/);
  });

  test('an unknown type or schema version is refused', () => {
    const unknown = new RecordBuilder('fork').buf;
    unknown.writeUInt16LE(77, layout.hdr.type);
    const stale = new RecordBuilder('fork', { version: layout.schemaVersion + 1 }).buf;
    const { errors } = decoder.decode(frame([unknown, stale]));
    assert.match(errors[0], /unknown record type 77/);
    assert.match(errors[1], /schema \d+, expected \d+/);
  });

  test('garbage framing stops at the first bad frame with a reason', () => {
    const overrun = Buffer.alloc(8);
    overrun.writeUInt32LE(1_000_000, 0);
    assert.match(decoder.decode({ data: overrun, records: 1, deltas: [] }).errors[0], /overruns the batch/);
    assert.match(decoder.decode({ data: Buffer.from([1, 2]), records: 1, deltas: [] }).errors[0], /truncated frame/);
    assert.doesNotThrow(() => decoder.decode({ data: Buffer.from('not a record at all, just text'), records: 1, deltas: [] }));
  });

  test('strings without a NUL stop at their field bound', () => {
    const rec = new RecordBuilder('exec');
    rec.buf.fill(0x41, layout.hdr.comm, layout.hdr.comm + layout.limits.comm);
    rec.buf.fill(0x42, layout.hdr.cgroup_name, layout.hdr.cgroup_name + 4);
    const ev = decoder.decode(frame([rec.buf])).events[0];
    assert.equal(ev.process?.comm, 'A'.repeat(layout.limits.comm));
    assert.equal(ev.container?.cgroup_name, 'BBBB');
  });
});
