// FdChannel against a real peer: a Python 3 client receives a memfd and an eventfd over SCM_RIGHTS,
// exactly where vtest clients expect them in the reply stream, and shares memory with Node.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventFd, FdChannel, FdChannelError, SharedMemoryRegion, socketFd,
} from '../../src/server/shm/index.js';
import { native, nativeUnavailableReason } from '../../src/server/native/addon.js';

// The interpreter's real path: going through a version-manager shim on every spawn costs ~0.5 s.
const probe = spawnSync('python3', ['-c', 'import socket, sys; socket.recv_fds; print(sys.executable)'], { encoding: 'utf8' });
const python = probe.status === 0 ? probe.stdout.trim() || 'python3' : null;
const skipReason = process.platform !== 'linux'
  ? `fd passing needs the Linux-only native addon (platform ${process.platform})`
  : process.env.VIRGL_WEBGPU_NO_NATIVE === '1' ? 'disabled by VIRGL_WEBGPU_NO_NATIVE=1'
    : python === null ? 'python3 (3.9+, for socket.recv_fds) is not installed'
      : nativeUnavailableReason();

const BIG = 4 << 20; // far more than a socket buffer holds: the fd must wait for these bytes
const SHM = 1 << 16;
const pattern = (i: number): number => (i * 7 + 3) & 0xff;

// The peer reads like Mesa's vtest code: exact-length reads, then recvmsg for 1 byte + 1 fd.
const CLIENT = String.raw`
import mmap, os, select, socket, struct, sys, time, fcntl
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
BIG, SHM = int(sys.argv[2]), int(sys.argv[3])
def fail(msg):
    print(msg, file=sys.stderr); sys.exit(1)
def recv_exact(n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk: fail('server closed the connection early')
        buf += chunk
    return bytes(buf)
def recv_fd():
    data, fds, flags, _ = socket.recv_fds(s, 1, 1)
    if len(data) != 1 or len(fds) != 1: fail(f'expected 1 byte + 1 fd, got {data!r} and {fds}')
    return fds[0]
if sys.argv[4] == 'flood':
    # Count fds until the marker text; the last fd must be the one FdChannel had to wait to send.
    time.sleep(0.3)
    count, last = 0, None
    while True:
        data, fds, _, _ = socket.recv_fds(s, 1, 1)
        if not data: fail('closed before the marker')
        if not fds:
            if data + recv_exact(2) != b'END': fail(f'unexpected bytes {data!r}')
            break
        if last is not None: os.close(last)
        count, last = count + 1, fds[0]
    print(count, os.readlink(f'/proc/self/fd/{last}'))
    sys.exit(0)
s.sendall(b'G')
time.sleep(0.3)  # let the server's socket fill up: it has to wait before sending the fd
big = recv_exact(BIG)
if big != bytes((i * 7 + 3) & 0xff for i in range(256)) * (BIG // 256): fail('big block corrupted')
if struct.unpack('<3I', recv_exact(12)) != (1, 12, 7): fail('bad reply header')
memfd = recv_fd()
if os.fstat(memfd).st_size != SHM: fail('memfd has the wrong size')
try:
    os.ftruncate(memfd, 0); fail('memfd could be shrunk')
except PermissionError:
    pass
m = mmap.mmap(memfd, SHM, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
if m[0:4] != b'NODE' or m[SHM - 1] != 0xAB: fail(f'shm does not hold what Node wrote: {m[0:4]!r}')
m[100:106] = b'PYTHON'
if recv_exact(10) != b'after-fd-1': fail('bytes after the memfd out of order')
evfd = recv_fd()
p = select.poll(); p.register(evfd, select.POLLIN)
if p.poll(0): fail('eventfd readable before it was signalled')
if recv_exact(4) != b'tail': fail('tail out of order')
s.sendall(b'W')
if not p.poll(5000): fail('eventfd never became readable')
if struct.unpack('<Q', os.read(evfd, 8))[0] != 1: fail('eventfd counter is not 1')
s.sendall(b'D')
if s.recv(1) != b'': fail('expected the server to close')
print('ok')
`;

function runPeer(path: string, mode: 'shm' | 'flood' = 'shm'): Promise<{ code: number | null; out: string }> {
  const child = spawn(python ?? 'python3', ['-c', CLIENT, path, String(BIG), String(SHM), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out: out.trim() })));
}

let dir: string | null = null;
let server: Server | null = null;

afterEach(async () => {
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

async function listen(onClient: (sock: Socket) => void): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'virgl-fd-'));
  const path = join(dir, 'vtest.sock');
  server = createServer(onClient);
  await new Promise<void>((r) => server!.listen(path, r));
  return path;
}

describe.skipIf(skipReason !== null)(`fd passing to a real client${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('sends a memfd and an eventfd in stream order and shares memory both ways', async () => {
    const region = SharedMemoryRegion.create('vtest-res-7', SHM);
    const ev = new EventFd();
    let pendingAtIssue = -1;
    let sent: Promise<unknown> = Promise.resolve('no client');
    let readBack = '';
    const path = await listen((sock) => {
      const ch = FdChannel.attach(sock);
      sock.on('data', (d: Buffer) => {
        for (const c of d.toString('latin1')) {
          if (c === 'G') {
            const big = new Uint8Array(BIG);
            for (let i = 0; i < BIG; i++) big[i] = pattern(i);
            region.bytes.set(new TextEncoder().encode('NODE'));
            region.bytes[SHM - 1] = 0xab;
            // Issued back to back without awaiting: the channel keeps bytes and fds in order.
            ch.write(big);
            ch.write(new Uint8Array(new Uint32Array([1, 12, 7]).buffer));
            const memfdSent = ch.sendFd(region.fd).then(() => region.releaseFd());
            ch.write(new TextEncoder().encode('after-fd-1'));
            const eventfdSent = ch.sendFd(ev.fd);
            ch.write(new TextEncoder().encode('tail'));
            pendingAtIssue = ch.pendingFds;
            sent = Promise.all([memfdSent, eventfdSent]).then(() => null, (e: unknown) => e);
          } else if (c === 'W') {
            ev.signal();
          } else if (c === 'D') {
            readBack = new TextDecoder().decode(region.bytes.subarray(100, 106));
            ch.end();
          }
        }
      });
    });
    try {
      const peer = await runPeer(path);
      expect(peer).toEqual({ code: 0, out: 'ok' });
      expect(await sent).toBeNull();
      expect(pendingAtIssue).toBe(2);
      expect(readBack).toBe('PYTHON');
      expect(region.hasFd).toBe(false);
    } finally {
      region.close();
      ev.close();
    }
  });

  it('waits while the socket is full (EAGAIN) and keeps the order', async () => {
    const filler = SharedMemoryRegion.create('filler', 4096);
    const marker = SharedMemoryRegion.create('marker', 4096);
    let raw = 0;
    let sent: Promise<unknown> = Promise.resolve('no client');
    const path = await listen((sock) => {
      const ch = FdChannel.attach(sock);
      // Fill the socket behind Node's back (the peer sleeps), so the channel's first sendmsg fails.
      const fd = socketFd(sock)!;
      while (native().sendFd(fd, filler.fd)) raw++;
      sent = ch.sendFd(marker.fd).then(() => null, (e: unknown) => e);
      ch.write(new TextEncoder().encode('END'));
      ch.end(); // queued behind the fd: a plain sock.end() here would shut the socket before it
    });
    try {
      const peer = await runPeer(path, 'flood');
      expect(await sent).toBeNull();
      expect(raw).toBeGreaterThan(10);
      expect(peer).toEqual({ code: 0, out: `${raw + 1} /memfd:marker (deleted)` });
    } finally {
      filler.close();
      marker.close();
    }
  });

  it('rejects a pending fd when the client goes away, and everything after it', async () => {
    const region = SharedMemoryRegion.create('orphan', 4096);
    let peer: Promise<unknown> = Promise.resolve();
    const results = new Promise<unknown[]>((resolve) => {
      void listen((sock) => {
        sock.on('error', () => {});
        const ch = FdChannel.attach(sock);
        sock.destroy();
        const first = ch.sendFd(region.fd);
        ch.write(new Uint8Array(4)); // dropped, not thrown
        void first.catch(() => undefined).then(async () => {
          resolve(await Promise.allSettled([first, ch.sendFd(region.fd)]));
        });
      }).then((path) => { peer = runPeer(path); });
    });
    try {
      const [first, later] = await results;
      for (const r of [first, later]) {
        expect(r).toMatchObject({ status: 'rejected', reason: expect.any(FdChannelError) });
      }
      await peer; // the client sees the connection close and exits
    } finally {
      region.close();
    }
  });
});
