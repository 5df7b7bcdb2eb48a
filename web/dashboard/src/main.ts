/**
 * The dashboard page: sign-in, then the views the signed-in roles may see, fed by one websocket.
 * Frames are conflated (latest per portfolio) and the screen is repainted at most REPAINTS_PER_S
 * times a second, so the demo's hundreds of frames a second cost one Map.set each, not a repaint.
 */
import './style.css';
import type { AlertOut, RiskOut } from '../../../src/client/index.js';
import { ComplianceView, type KycBacklog, type KycCaseRow } from './compliance-view';
import { Conflator } from './conflate';
import { byId, setText } from './dom';
import { type Feed, type FeedState, type Subscription, feedUrl, openFeed } from './feed';
import { RiskGrid } from './risk-grid';
import { ApiError, type Profile, Session } from './session';

const REPAINTS_PER_S = 4;
const KYC_REFRESH_MS = 30_000;
/** Roles that read portfolios' risk; a compliance officer reads it too, but their screen is alerts and KYC. */
const RISK_ROLES = new Set(['risk_manager', 'admin', 'trader']);

const clock = { now: () => Date.now() };
const scheduler = { setTimeout: (fn: () => void, ms: number) => window.setTimeout(fn, ms), clearTimeout: (h: unknown) => window.clearTimeout(h as number) };

const ui = {
  signIn: byId<HTMLElement>('sign-in'),
  loginForm: byId<HTMLFormElement>('login-form'),
  mfaForm: byId<HTMLFormElement>('mfa-form'),
  email: byId<HTMLInputElement>('email'),
  password: byId<HTMLInputElement>('password'),
  code: byId<HTMLInputElement>('mfa-code'),
  error: byId<HTMLElement>('sign-in-error'),
  who: byId<HTMLElement>('who'),
  status: byId<HTMLElement>('status'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  riskView: byId<HTMLElement>('risk-view'),
  complianceView: byId<HTMLElement>('compliance-view'),
};

let feed: Feed | undefined;
const session = new Session(
  (token) => feed?.reauth(token),
  (why) => signedOut(`Signed out: ${why}`),
);

function showError(e: unknown): void {
  const text = e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  setText(ui.error, text);
}

function setState(state: FeedState | 'signed out', detail?: string): void {
  ui.status.dataset.state = state;
  setText(ui.status, state === 'live' ? 'live' : detail ? `${state}: ${detail}` : state);
}

function signedOut(message: string): void {
  feed?.close();
  feed = undefined;
  // Everything the session held goes with the page's memory; a reload is the surest way to drop it
  // all. The reason survives it in the fragment (never sent to the server), shown as text.
  window.location.hash = message === '' ? '' : encodeURIComponent(message);
  window.location.reload();
}

ui.loginForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  setText(ui.error, '');
  session.login(ui.email.value, ui.password.value).then(
    (step) => {
      ui.password.value = '';
      if (step.kind === 'mfaRequired') {
        ui.loginForm.hidden = true;
        ui.mfaForm.hidden = false;
        ui.code.focus();
        return;
      }
      return start(step.mfaSetupRequired);
    },
  ).catch(showError);
});

ui.mfaForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  setText(ui.error, '');
  session.verifyMfa(ui.code.value.trim()).then((step) => {
    ui.code.value = '';
    return start(step.kind === 'signedIn' && step.mfaSetupRequired);
  }).catch((e: unknown) => {
    // An MFA token is good for one try window: a wrong code sends the user back to the password.
    if (e instanceof ApiError && e.code !== 'MFA_CODE_INVALID') {
      ui.mfaForm.hidden = true;
      ui.loginForm.hidden = false;
    }
    showError(e);
  });
});

ui.signOut.addEventListener('click', () => {
  void session.logout().finally(() => signedOut(''));
});

/** After sign-in: who we are, then the views our roles allow, then the websocket. */
async function start(mfaSetupRequired: boolean): Promise<void> {
  const me = await session.api<Profile>('GET', '/auth/me');
  const roles = new Set(me.grants.map((g) => g.role));
  setText(ui.who, `${me.displayName} · ${[...roles].join(', ') || 'no role'}`);
  ui.signIn.hidden = true;
  ui.signOut.hidden = false;
  if (mfaSetupRequired) {
    setText(ui.who, `${ui.who.textContent ?? ''} · turn on MFA to use your privileged role (README, "Accounts and sign-in")`);
  }
  const subs: Subscription[] = [];
  const risk = [...roles].some((r) => RISK_ROLES.has(r)) ? await startRisk() : undefined;
  if (risk) subs.push({ channel: 'risk' });
  const compliance = roles.has('compliance_officer') ? await startCompliance() : undefined;
  if (compliance) subs.push({ channel: 'alerts' });
  if (subs.length === 0) return setState('signed out', 'this account has no role that shows anything here');
  feed = openFeed(feedUrl(window.location), () => session.token(), subs, {
    onRisk: (f) => risk?.put(f.portfolioId, f),
    onAlert: (a) => compliance?.put(a.alertId, a),
    onState: setState,
    onSessionEnded: (why) => signedOut(`the engine ended this session (${why})`),
  });
}

async function startRisk(): Promise<Conflator<string, RiskOut>> {
  ui.riskView.hidden = false;
  const grid = new RiskGrid(
    byId<HTMLTableElement>('risk-grid').tBodies[0] as HTMLTableSectionElement,
    byId<HTMLTableElement>('underlying-grid').tBodies[0] as HTMLTableSectionElement,
    byId('detail-name'), byId('risk-count'),
  );
  const conflator = new Conflator<string, RiskOut>(1000 / REPAINTS_PER_S, (latest) => grid.paint(latest, Date.now()), clock, scheduler);
  // The same snapshot as a `risk` frame's, without its `type` (null: not computed yet).
  const first = await session.api<{ portfolios: { portfolioId: string; risk: Omit<RiskOut, 'type'> | null }[] }>('GET', '/risk/portfolio');
  for (const p of first.portfolios) {
    grid.ensure(p.portfolioId);
    if (p.risk !== null) conflator.put(p.portfolioId, { type: 'risk', ...p.risk });
  }
  window.setInterval(() => grid.paintAges(Date.now()), 1000);
  return conflator;
}

async function startCompliance(): Promise<Conflator<string, AlertOut>> {
  ui.complianceView.hidden = false;
  const view = new ComplianceView(
    byId<HTMLTableElement>('alerts').tBodies[0] as HTMLTableSectionElement, byId('alert-count'),
    byId('kyc-backlog'), byId<HTMLTableElement>('kyc-cases').tBodies[0] as HTMLTableSectionElement,
  );
  // Alerts are never dropped: each has its own key, and a batch is drawn at the repaint rate.
  const conflator = new Conflator<string, AlertOut>(1000 / REPAINTS_PER_S, (batch) => view.addAlerts(batch.values()), clock, scheduler);
  const loadKyc = async () => {
    const metrics = await session.api<{ kycBacklog: KycBacklog | null }>('GET', '/compliance/risk-metrics');
    view.setBacklog(metrics.kycBacklog);
    if (metrics.kycBacklog === null) return;
    const waiting = await Promise.all(['submitted', 'in_review'].map((s) => session.api<{ cases: KycCaseRow[] }>('GET', `/kyc?state=${s}&limit=100`)));
    view.setCases(waiting.flatMap((w) => w.cases));
  };
  const alerts = await session.api<{ alerts: AlertOut[] }>('GET', '/compliance/alerts?limit=100').catch((e: unknown) => {
    showError(e);
    return { alerts: [] };
  });
  view.addAlerts(alerts.alerts);
  await loadKyc().catch(showError);
  window.setInterval(() => void loadKyc().catch(showError), KYC_REFRESH_MS);
  return conflator;
}

function endedMessage(): string {
  const raw = window.location.hash.slice(1);
  if (raw === '') return '';
  history.replaceState(null, '', window.location.pathname);
  try {
    return decodeURIComponent(raw).slice(0, 300);
  } catch {
    return '';
  }
}

setText(ui.error, endedMessage());
setState('signed out');
ui.email.focus();
