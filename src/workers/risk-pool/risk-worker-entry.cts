/**
 * The file piscina loads in each risk worker thread: CommonJS whose export is the ES-module task
 * function (risk-worker.ts), loaded with import().
 *
 * Why not hand piscina risk-worker.js itself: piscina loads a task file with require() first, and
 * on Node 20.19+ require() of an ES module goes through require(esm), which can race with the ESM
 * loader and abort the whole process with "FATAL ERROR: v8::Module::IsGraphAsync must be used on
 * an instantiated module" (seen once in this suite, under vitest; newer Node versions throw a
 * "not yet fully loaded" error there instead, nodejs/node#57126). import() never takes that path.
 * piscina awaits the exported promise for the handler.
 */
export = import('./risk-worker.js').then((m) => m.default);
