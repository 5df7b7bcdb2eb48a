/** The journal contract against the PostgreSQL journal on embedded PGlite. */
import { describeJournalContract } from './journal.contract.js';
import { pgJournalStore } from './pg-journal-store.js';

describeJournalContract('PostgreSQL journal on embedded PGlite', () => pgJournalStore('embedded'), { interruptible: false });
