'use strict';
/**
 * Install step: on Linux with glibc older than 2.38 (Debian 12 has 2.36), the Node 22/24 binaries of
 * @btc-vision/uwebsockets.js do not load, only because GCC 13+ emitted calls to the C23 aliases
 * __isoc23_strtol/strtoul/strtoull/sscanf (new in glibc 2.38); everything else they need is in 2.36.
 * We write a copy of each binary whose GLIBC_2.38 version need is marked weak (VER_FLG_WEAK, so the
 * loader does not refuse it) and compile compat-shim.c, which defines those aliases over the classic
 * functions; index.cjs loads the shim into the global scope before the copy. Nothing is downloaded.
 * When glibc is new enough, or this is not Linux x64, there is nothing to do.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const OUT = path.join(__dirname, 'compat');

function glibcVersion() {
  const v = process.report?.getReport?.().header?.glibcVersionRuntime;
  return typeof v === 'string' ? v : undefined;
}

function olderThan238(v) {
  const [maj, min] = v.split('.').map(Number);
  return maj < 2 || (maj === 2 && min < 38);
}

/** Sets VER_FLG_WEAK on every GLIBC_2.38 entry of the ELF64 little-endian verneed table; returns how many. */
function weakenGlibc238(buf) {
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const section = (i) => {
    const o = shoff + i * shentsize;
    return { type: buf.readUInt32LE(o + 4), offset: Number(buf.readBigUInt64LE(o + 0x18)), link: buf.readUInt32LE(o + 0x28), info: buf.readUInt32LE(o + 0x2c) };
  };
  let changed = 0;
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== 0x6ffffffe) continue; // SHT_GNU_verneed
    const strtab = section(s.link).offset;
    let need = s.offset;
    for (let k = 0; k < s.info; k++) {
      let aux = need + buf.readUInt32LE(need + 8);
      for (let j = 0, n = buf.readUInt16LE(need + 2); j < n; j++) {
        const nameAt = strtab + buf.readUInt32LE(aux + 8);
        if (buf.toString('latin1', nameAt, buf.indexOf(0, nameAt)) === 'GLIBC_2.38') {
          buf.writeUInt16LE(buf.readUInt16LE(aux + 4) | 2, aux + 4);
          changed++;
        }
        aux += buf.readUInt32LE(aux + 12);
      }
      const next = buf.readUInt32LE(need + 12);
      if (next === 0) break;
      need += next;
    }
  }
  return changed;
}

function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return;
  const glibc = glibcVersion();
  if (glibc === undefined || !olderThan238(glibc)) return;
  // Its exports map hides package.json: resolve its main file instead.
  const pkg = path.dirname(require.resolve('@btc-vision/uwebsockets.js'));
  fs.mkdirSync(OUT, { recursive: true });
  for (const abi of ['127', '137']) {
    const file = `uws_linux_x64_${abi}.node`;
    const buf = fs.readFileSync(path.join(pkg, file));
    weakenGlibc238(buf);
    fs.writeFileSync(path.join(OUT, file), buf);
  }
  execFileSync(process.env.CC || 'cc', ['-O2', '-shared', '-fPIC', '-o', path.join(OUT, 'glibc238-shim.node'), path.join(__dirname, 'compat-shim.c')], { stdio: 'inherit' });
  process.stdout.write(`uws-native: glibc ${glibc}: prepared Node 22/24 binaries with the C23 shim in ${OUT}\n`);
}

if (require.main === module) main();
module.exports = { weakenGlibc238, olderThan238 };
