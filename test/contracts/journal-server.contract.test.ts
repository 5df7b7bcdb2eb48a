/** The journal contract against the PostgreSQL journal on this machine's PostgreSQL server (a schema of its own). */
import { describeJournalContract } from './journal.contract.js';
import { pgJournalStore } from './pg-journal-store.js';

describeJournalContract('PostgreSQL journal on a PostgreSQL server', () => pgJournalStore('external'), { interruptible: true });
