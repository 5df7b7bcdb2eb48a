'use strict';
/**
 * `uWebSockets.js` for the engine: the first native build that loads on this Node, never the pure-JS
 * fallback. @trufflesuite/uws-js-unofficial has Node 20 binaries (glibc 2.27) but silently falls back
 * to a `ws` shim elsewhere; @btc-vision/uwebsockets.js has Node 20/22/24/25 binaries built against
 * glibc 2.38, loaded as shipped where glibc is new enough, else as the copies compat.cjs prepared.
 * If none loads, requiring this throws, listing why each candidate failed.
 */
const os = require('node:os');
const path = require('node:path');

/**
 * The largest request head (request line and headers) uWS 20.57 takes, read by the native module
 * from the environment once, when it loads: above it, uWS answers 431 itself. Its own default, 4 KiB,
 * refuses a token for a few dozen portfolios; 16 KiB is Node's http default. An operator's value wins
 * (1024 to 65535: uWS keeps offsets into the head in 16 bits). 20.30 (Node 20) does not read it.
 */
const HEADERS_SIZE = 'UWS_HTTP_MAX_HEADERS_SIZE';
const DEFAULT_HEADERS_SIZE = 16 * 1024;
if (process.env[HEADERS_SIZE] === undefined || process.env[HEADERS_SIZE] === '') process.env[HEADERS_SIZE] = String(DEFAULT_HEADERS_SIZE);
else if (!/^\d+$/.test(process.env[HEADERS_SIZE]) || Number(process.env[HEADERS_SIZE]) < 1024 || Number(process.env[HEADERS_SIZE]) > 65535) {
  throw new Error(`${HEADERS_SIZE}: expected a whole number of bytes from 1024 to 65535, got ${JSON.stringify(process.env[HEADERS_SIZE])}`);
}

const abi = process.versions.modules;
const target = `${process.platform}_${process.arch}_${abi}`;
const isNative = (m) => typeof m?.App === 'function' && /\[native code\]/.test(Function.prototype.toString.call(m.App));

function unofficial() {
  const dir = path.dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'));
  // The binary itself, not the package's loader: that one falls back to JS (with a console.warn).
  return require(path.join(dir, 'binaries', `uws_${target}.node`));
}

function btcVision() {
  return require('@btc-vision/uwebsockets.js');
}

function btcVisionCompat() {
  const dir = path.join(__dirname, 'compat');
  const shim = { exports: {} };
  process.dlopen(shim, path.join(dir, 'glibc238-shim.node'), os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL);
  return require(path.join(dir, `uws_${target}.node`));
}

const candidates = [
  ['@trufflesuite/uws-js-unofficial 20.30.0', unofficial],
  ['@btc-vision/uwebsockets.js 20.57.0', btcVision],
  ['@btc-vision/uwebsockets.js 20.57.0 (glibc < 2.38 compat)', btcVisionCompat],
];

const failures = [];
for (const [name, load] of candidates) {
  let m;
  try {
    m = load();
  } catch (e) {
    // The reason is the first line (Cannot find module …) or, after @btc-vision's preamble, the last (dlopen's).
    const lines = String(e && e.message).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('- '));
    failures.push(`${name}: ${lines.length > 1 && lines[0].startsWith('This version') ? lines[lines.length - 1] : lines[0]}`);
    continue;
  }
  if (!isNative(m)) {
    failures.push(`${name}: not a native build`);
    continue;
  }
  module.exports = Object.assign({}, m, { build: `${name} (Node ${process.version}, ABI ${abi})` });
  break;
}
if (module.exports.build === undefined) {
  throw new Error(`no native uWebSockets.js build loads on Node ${process.version} (${target}); the pure-JS fallback is refused (on glibc < 2.38, run \`node ${path.join(__dirname, 'compat.cjs')}\` if npm skipped it):\n  ${failures.join('\n  ')}`);
}
