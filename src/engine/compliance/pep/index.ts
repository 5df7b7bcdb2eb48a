/** PEP (politically exposed persons) screening: the public face of this folder. */
export type { PepEntry, PepLineProblem, PepListVersion } from './pep-entry.js';
export { MAX_PROBLEMS, PEP_COLUMNS, describeProblems, parsePepList, type PepParse } from './pep-parse.js';
export { PEP_HIT_THRESHOLD, PepIndex, buildPepIndex, type PepMatch, type PepScreeningResult } from './pep-index.js';
export { type PersonScreening, screenPerson } from './person-screening.js';
