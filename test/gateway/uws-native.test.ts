/**
 * packages/uws (installed as `uWebSockets.js`) hands out a native build on every supported Node
 * (CI runs this file on Node 20 and on Node 24) and never the pure-JS fallback; compat.cjs's ELF edit
 * only marks the GLIBC_2.38 need weak.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import uWS from 'uWebSockets.js';
import { WebSocket } from 'ws';

const require = createRequire(import.meta.url);
const { weakenGlibc238, olderThan238 } = require('../../packages/uws/compat.cjs') as {
  weakenGlibc238(buf: Buffer): number;
  olderThan238(v: string): boolean;
};

describe('uWebSockets.js on this Node', () => {
  it('is a native build and names it', () => {
    expect(Function.prototype.toString.call(uWS.App)).toMatch(/\[native code\]/);
    expect((uWS as { build?: string }).build).toMatch(new RegExp(`(uws|uwebsockets).*Node ${process.version}, ABI ${process.versions.modules}`, 'i'));
  });

  it('echoes a websocket message', async () => {
    let listen: uWS.us_listen_socket | false = false;
    const app = uWS.App().ws('/*', { message: (ws, msg, isBinary) => void ws.send(msg, isBinary) });
    const port = await new Promise<number>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (ls) => { listen = ls; if (ls) resolve(uWS.us_socket_local_port(ls)); else reject(new Error('listen failed')); }));
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      const echo = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send('round trip'));
        ws.on('message', (data: Buffer) => resolve(data.toString()));
        ws.on('error', reject);
      });
      ws.close();
      expect(echo).toBe('round trip');
    } finally {
      if (listen) uWS.us_listen_socket_close(listen);
    }
  });
});

describe('request heads', () => {
  /** One request written at once; resolves with the answer's status line ('' when closed without one). */
  async function statusOf(head: string): Promise<string> {
    let listen: uWS.us_listen_socket | false = false;
    const app = uWS.App().any('/*', (res) => void res.end('ok'));
    const port = await new Promise<number>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (ls) => { listen = ls; if (ls) resolve(uWS.us_socket_local_port(ls)); else reject(new Error('listen failed')); }));
    try {
      return await new Promise<string>((resolve) => {
        const chunks: Buffer[] = [];
        const s = net.connect(port, '127.0.0.1');
        s.on('data', (d: Buffer) => chunks.push(d));
        s.on('error', () => {});
        s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1').split('\r\n', 1)[0] ?? ''));
        s.end(head);
      });
    } finally {
      if (listen) uWS.us_listen_socket_close(listen);
    }
  }

  it('takes an 8 KiB Authorization header (20.57: the 16 KiB default; 20.30: a head that arrives in one read)', async () => {
    expect(await statusOf(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'A'.repeat(8 * 1024)}\r\n\r\n`)).toBe('HTTP/1.1 200 OK');
  });

  it('refuses a UWS_HTTP_MAX_HEADERS_SIZE that is not a size uWS can use, at load', () => {
    const load = (v: string) => execFileSync(process.execPath, ['-e', "require('uWebSockets.js')"], { env: { ...process.env, UWS_HTTP_MAX_HEADERS_SIZE: v }, stdio: 'pipe' });
    expect(() => load('70000')).toThrow(/UWS_HTTP_MAX_HEADERS_SIZE: expected a whole number of bytes from 1024 to 65535, got "70000"/);
    expect(() => load('8192')).not.toThrow();
  });
});

describe('compat.cjs', () => {
  it('tells glibc versions before 2.38 apart', () => {
    expect(['2.36', '2.35', '1.99'].map(olderThan238)).toEqual([true, true, true]);
    expect(['2.38', '2.39', '3.0'].map(olderThan238)).toEqual([false, false, false]);
  });

  it('marks only the GLIBC_2.38 version need weak', () => {
    const elf = verneedElf(['GLIBC_2.2.5', 'GLIBC_2.38']);
    expect(weakenGlibc238(elf)).toBe(1);
    expect(vnaFlags(elf)).toEqual([0, 2]);
    expect(weakenGlibc238(verneedElf(['GLIBC_2.34']))).toBe(0);
  });
});

// A minimal ELF64 LE image: section headers for a verneed section (one file, `names` as its aux
// entries) and the string table it links to. Only the fields compat.cjs reads are filled.
const SH = 64, SHOFF = 0x40, VERNEED = 0x100, STRTAB = 0x200;
function verneedElf(names: readonly string[]): Buffer {
  const b = Buffer.alloc(0x300);
  b.writeBigUInt64LE(BigInt(SHOFF), 0x28);
  b.writeUInt16LE(SH, 0x3a);
  b.writeUInt16LE(2, 0x3c);
  // section 0: verneed, links to section 1, one entry
  b.writeUInt32LE(0x6ffffffe, SHOFF + 4);
  b.writeBigUInt64LE(BigInt(VERNEED), SHOFF + 0x18);
  b.writeUInt32LE(1, SHOFF + 0x28);
  b.writeUInt32LE(1, SHOFF + 0x2c);
  b.writeUInt32LE(3, SHOFF + SH + 4); // SHT_STRTAB
  b.writeBigUInt64LE(BigInt(STRTAB), SHOFF + SH + 0x18);
  b.writeUInt16LE(1, VERNEED); // vn_version
  b.writeUInt16LE(names.length, VERNEED + 2);
  b.writeUInt32LE(16, VERNEED + 8); // vn_aux
  let str = 1;
  names.forEach((name, i) => {
    const aux = VERNEED + 16 + i * 16;
    b.write(`${name}\0`, STRTAB + str, 'latin1');
    b.writeUInt32LE(str, aux + 8);
    b.writeUInt32LE(i === names.length - 1 ? 0 : 16, aux + 12);
    str += name.length + 1;
  });
  return b;
}
function vnaFlags(b: Buffer): number[] {
  return [0, 1].map((i) => b.readUInt16LE(VERNEED + 16 + i * 16 + 4));
}
