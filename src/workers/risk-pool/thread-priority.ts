/**
 * Puts the calling thread under Linux's SCHED_IDLE policy: it then runs only on CPU time that no
 * normal thread wants, and a normal thread that wakes up preempts it at once. That is what the risk
 * workers need on a box they share with the gateway's event loop: a recalculation soaks up idle
 * cores but never delays an order acknowledgement. nice 19 alone is not enough: woken normal
 * threads still wait in the run queue behind niced workers.
 *
 * Node has no API for a thread's scheduling policy and no maintained npm package sets it, so this
 * runs util-linux `chrt` on the thread's own id (from /proc/thread-self), once per worker at start.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';

export type IdleOutcome = { readonly ok: true; readonly tid: number } | { readonly ok: false; readonly reason: string };

export function setThreadSchedIdle(): IdleOutcome {
  if (process.platform !== 'linux') return { ok: false, reason: `SCHED_IDLE is Linux-only (platform ${process.platform})` };
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch (err) {
    return { ok: false, reason: `cannot read /proc/thread-self: ${(err as Error).message}` };
  }
  if (!Number.isInteger(tid) || tid <= 0) return { ok: false, reason: 'cannot tell this thread\'s id' };
  const r = spawnSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  if (r.error) return { ok: false, reason: `chrt: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `chrt exited with ${r.status}: ${r.stderr.toString().trim()}` };
  return { ok: true, tid };
}

/** Scheduling policy of a thread of this process, from /proc (0 normal, 5 SCHED_IDLE), or undefined. */
export function threadPolicy(tid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after "(comm) " start at field 3; the policy is field 41.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const policy = Number(fields[41 - 3]);
    return Number.isInteger(policy) ? policy : undefined;
  } catch {
    return undefined;
  }
}
