// The API is uWebSockets.js v20's; the typings come with the build used on Node 20.
export * from '@trufflesuite/uws-js-unofficial/docs/index';
/** Which build loaded: the engine reports it in /health and its start log. */
export declare const build: string;
