/**
 * Where the gateway hears of new AML alerts for the `alerts` channel: the composition root passes
 * one (src/persistence/aml-alert-relay.ts over PostgreSQL LISTEN/NOTIFY); without one the channel
 * takes subscriptions and stays quiet (PERSISTENCE=memory runs no AML monitoring).
 */
import type { AmlAlertView } from '../persistence/aml-alert-queries.js';

export interface AlertFeed {
  /** `listener` hears each new alert once; the answer stops it. */
  onAlert(listener: (a: AmlAlertView) => void): () => void;
}
