/**
 * The sanctions index in a worker thread of its own. Built from the whole SDN list it holds tens of
 * MB of small objects, and on the event loop's heap that weight alone slowed the real-time path
 * (measured side by side with `npm run bench`: tick-to-risk p50 +22%, recalculations −21%, with no
 * screening asked at all); here the engine's heap and its garbage collections never see it. A
 * screening costs one message each way (tens of µs) on top of the index's ~0.6 ms.
 *
 * The PEP list (PEP_LIST_FILE), when one is configured, is indexed here too, for the same reason:
 * `screenPerson` screens one person against both in one round trip (KYC's question).
 *
 * The same file is the thread's entry: started with `workerData.sanctionsDir` (and `pepFile`), it
 * loads the lists, says `ready` with their versions, then answers `screen`, `screenPerson`, `reload`
 * and `reloadPep` requests by id.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { type PepIndex, type PepListVersion, type PersonScreening, screenPerson } from '../../engine/compliance/pep/index.js';
import type { ListVersion, ScreeningQuery, ScreeningResult } from '../../engine/compliance/sanctions/index.js';
import { ListInForce } from '../../persistence/list-in-force.js';
import { PepListError, loadPepIndex } from '../../persistence/pep-list.js';
import { SanctionsListError, SanctionsScreener } from '../../persistence/sanctions-list.js';

type Request =
  | { readonly op: 'screen'; readonly query: ScreeningQuery }
  | { readonly op: 'screenPerson'; readonly query: ScreeningQuery }
  | { readonly op: 'reload' }
  | { readonly op: 'reloadPep' };
type ToThread = Request & { readonly id: number };

type FromThread =
  | { readonly type: 'ready'; readonly version: ListVersion; readonly pepVersion: PepListVersion | null }
  | { readonly type: 'failed'; readonly code: string; readonly message: string }
  | {
      readonly id: number; readonly ok: true; readonly result?: ScreeningResult; readonly person?: PersonScreening;
      readonly version?: ListVersion; readonly pepVersion?: PepListVersion;
    }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

interface ThreadData {
  readonly sanctionsDir: string;
  readonly pepFile?: string;
}

/** Asked of PEP screening (`reloadPep`) while no PEP list is configured. */
export const PEP_SCREENING_OFF = 'PEP_SCREENING_OFF';

function threadFile(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../../dist/src/workers/sanctions/sanctions-thread.js', here) : new URL(here);
}

const codeOf = (e: unknown): string => (e instanceof SanctionsListError || e instanceof PepListError ? e.code : (e as { code?: unknown }).code === PEP_SCREENING_OFF ? PEP_SCREENING_OFF : 'SANCTIONS_INTERNAL');

/** The screening service as the gateway sees it: the index in force lives in the thread. */
export class SanctionsThread {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: FromThread) => void; reject: (e: Error) => void }>();
  private closed = false;

  /** When the sanctions list in force was read (ms since the epoch): a list never reloaded goes stale. */
  loadedAtMs = Date.now();
  /** Screenings answered since start, by the sanctions decision (GET /metrics). */
  readonly screenings = new Map<string, number>();

  private constructor(private readonly worker: Worker, private current: ListVersion, private pepCurrent: PepListVersion | null, readonly dir: string, readonly pepFile: string | undefined) {
    worker.on('message', (m: FromThread) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m);
    });
    const fail = (e: Error): void => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new SanctionsListError('the sanctions thread stopped')));
  }

  /**
   * Starts the thread and resolves once the list in `dir` (and the PEP list in `opts.pepFile`, when
   * given) is indexed; rejects with SanctionsListError, or PepListError, when one cannot be read.
   */
  static open(dir: string, opts: { readonly pepFile?: string } = {}): Promise<SanctionsThread> {
    const data: ThreadData = { sanctionsDir: dir, ...(opts.pepFile !== undefined ? { pepFile: opts.pepFile } : {}) };
    const worker = new Worker(threadFile(), { workerData: data, name: 'sanctions' });
    return new Promise((resolve, reject) => {
      const onExit = (code: number): void => reject(new SanctionsListError(`the sanctions thread exited (${code}) before the list was indexed`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (m: FromThread) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if ('type' in m && m.type === 'ready') return resolve(new SanctionsThread(worker, m.version, m.pepVersion, dir, opts.pepFile));
        void worker.terminate();
        if ('type' in m && m.type === 'failed' && m.code === 'PEP_LIST_UNREADABLE') return reject(new PepListError(m.message));
        reject(new SanctionsListError('type' in m && m.type === 'failed' ? m.message : 'the sanctions thread answered out of turn'));
      });
    });
  }

  /** The version of the list in force. */
  get version(): ListVersion {
    return this.current;
  }

  /** The version of the PEP list in force; null when PEP screening is off (no PEP_LIST_FILE). */
  get pepVersion(): PepListVersion | null {
    return this.pepCurrent;
  }

  async screen(query: ScreeningQuery): Promise<ScreeningResult> {
    const m = await this.ask({ op: 'screen', query });
    if (!m.ok) throw Object.assign(new Error(m.message), { code: m.code });
    this.counted(m.result!.decision);
    return m.result!;
  }

  /** One person against the sanctions list and, when one is in force, the PEP list (`pep: null` otherwise). */
  async screenPerson(query: ScreeningQuery): Promise<PersonScreening> {
    const m = await this.ask({ op: 'screenPerson', query });
    if (!m.ok) throw Object.assign(new Error(m.message), { code: m.code });
    this.counted(m.person!.sanctions.decision);
    return m.person!;
  }

  /** Reads the folder again; the old list stays in force until the new one is indexed, and when it cannot be read (thrown). */
  async reload(): Promise<ListVersion> {
    const m = await this.ask({ op: 'reload' });
    if (!m.ok) throw new SanctionsListError(m.message);
    this.current = m.version!;
    this.loadedAtMs = Date.now();
    return this.current;
  }

  /**
   * Reads the PEP list file again; the old list stays in force until the new one is indexed, and when
   * it cannot be read (PepListError, with the bad lines). Rejects with code PEP_SCREENING_OFF when no
   * PEP list is configured.
   */
  async reloadPep(): Promise<PepListVersion> {
    const m = await this.ask({ op: 'reloadPep' });
    if (!m.ok) throw m.code === 'PEP_LIST_UNREADABLE' ? new PepListError(m.message) : Object.assign(new Error(m.message), { code: m.code });
    this.pepCurrent = m.pepVersion!;
    return this.pepCurrent;
  }

  private counted(decision: string): void {
    this.screenings.set(decision, (this.screenings.get(decision) ?? 0) + 1);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private ask(req: Request): Promise<Extract<FromThread, { id: number }>> {
    if (this.closed) return Promise.reject(new SanctionsListError('the sanctions thread is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (m: FromThread) => void, reject });
      this.worker.postMessage({ id, ...req } satisfies ToThread);
    });
  }
}

async function runThread(data: ThreadData): Promise<void> {
  const port = parentPort!;
  let screener: SanctionsScreener;
  let pep: ListInForce<PepIndex> | undefined;
  try {
    const pepFile = data.pepFile;
    [screener, pep] = await Promise.all([SanctionsScreener.open(data.sanctionsDir), pepFile === undefined ? undefined : ListInForce.open(() => loadPepIndex(pepFile))]);
  } catch (e) {
    port.postMessage({ type: 'failed', code: codeOf(e), message: (e as Error).message } satisfies FromThread);
    return;
  }
  const answer = (id: number, run: () => Promise<Omit<Extract<FromThread, { ok: true }>, 'id' | 'ok'>>): void => {
    run().then(
      (r) => port.postMessage({ id, ok: true, ...r } satisfies FromThread),
      (e: unknown) => port.postMessage({ id, ok: false, code: codeOf(e), message: (e as Error).message } satisfies FromThread),
    );
  };
  port.on('message', (m: ToThread) => {
    switch (m.op) {
      case 'screen': return answer(m.id, async () => ({ result: screener.screen(m.query) }));
      case 'screenPerson': return answer(m.id, async () => ({ person: screenPerson(screener, pep?.index, m.query) }));
      case 'reload': return answer(m.id, async () => ({ version: await screener.reload() }));
      case 'reloadPep': return answer(m.id, async () => {
        if (pep === undefined) throw Object.assign(new Error('PEP screening is off: no PEP list is configured (PEP_LIST_FILE)'), { code: PEP_SCREENING_OFF });
        return { pepVersion: await pep.reload() };
      });
    }
  });
  port.postMessage({ type: 'ready', version: screener.version, pepVersion: pep?.index.version ?? null } satisfies FromThread);
}

if (!isMainThread && typeof (workerData as { sanctionsDir?: unknown } | null)?.sanctionsDir === 'string') {
  void runThread(workerData as ThreadData);
}
