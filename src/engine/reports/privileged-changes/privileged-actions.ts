/**
 * The audit actions that are privileged changes (a SOX access and change review): who may do what
 * (roles, grants, API keys, sessions cut), the risk controls (limits, trading states, price bands),
 * operations on the running engine (dead-letter replays, the sanctions list reloaded) and the
 * erasure of a customer's data key. Orders, fills, logins, KYC and AML case work are business
 * events with their own reports, not changes of the system's controls.
 *
 * Each name is the `action` its writer puts in the audit trail (grep `action: '` in src/).
 */
export const PRIVILEGED_ACTIONS = Object.freeze({
  // src/gateway/identity/account-service.ts
  'user.registered': 'access', // the new account's default grant
  'user.roles.changed': 'access',
  'user.portfolios.changed': 'access',
  'user.admin.bootstrapped': 'access',
  'user.sessions.revoked': 'access',
  'apikey.created': 'access',
  'apikey.revoked': 'access',
  // src/persistence/journal.ts
  'limits.changed': 'risk_controls',
  'trading_state.changed': 'risk_controls',
  'market.band.changed': 'risk_controls',
  // src/persistence/queues.ts, src/gateway/compliance-routes.ts
  'dead_letter.replayed': 'operations',
  'sanctions_list.reloaded': 'operations',
  // src/persistence/data-keys.ts
  'data_key.shredded': 'data',
} as const);

export type PrivilegedAction = keyof typeof PRIVILEGED_ACTIONS;
export type ChangeCategory = (typeof PRIVILEGED_ACTIONS)[PrivilegedAction];

export function isPrivilegedAction(action: string): action is PrivilegedAction {
  return Object.hasOwn(PRIVILEGED_ACTIONS, action);
}
