// @ts-check
// Rules that catch bugs, not style: type-aware promise checks, unused code, shadowed globals,
// fall-through, loose equality. Formatting is nobody's business here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node's globals: a local of the same name hides the real one from every line in its scope. */
const NODE_GLOBALS = [
  'process', 'Buffer', 'console', 'global', 'globalThis', 'setTimeout', 'clearTimeout', 'setInterval',
  'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'URL',
  'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'AbortSignal', 'performance',
  'fetch', 'crypto',
];
// Every way to declare a value (variables, functions, classes, parameters, destructuring, catch);
// imports are left out: `import { performance } from 'node:perf_hooks'` is the same object.
const DECLARED_NAME = [
  'VariableDeclarator > Identifier.id',
  'FunctionDeclaration > Identifier.id',
  'FunctionExpression > Identifier.id',
  'ClassDeclaration > Identifier.id',
  ':function > Identifier.params',
  'AssignmentPattern > Identifier.left',
  'ObjectPattern > Property > Identifier.value',
  'ArrayPattern > Identifier.elements',
  'RestElement > Identifier.argument',
  'CatchClause > Identifier.param',
  'TSParameterProperty > Identifier.parameter',
].join(', ');
const shadowedGlobal = {
  selector: `:matches(${DECLARED_NAME})[name=/^(?:${NODE_GLOBALS.join('|')})$/]`,
  message: "A local with the name of a Node global hides the global from the code around it: rename it.",
};

export default defineConfig(
  // packages/uws is the CommonJS uWebSockets.js loader npm installs (no tsconfig project of its own).
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'bench/results/', '.scratch/', 'test-artifacts/', 'packages/'] },
  js.configs.recommended,
  tseslint.configs.eslintRecommended,
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 2022,
      sourceType: 'module',
      parserOptions: {
        // The files tsconfig.json covers get its program; the few outside it (bin/, configs, the API page's script) a default one.
        projectService: { allowDefaultProject: ['bin/*.js', 'eslint.config.js', 'vitest.config.ts', 'web/dashboard/vite.config.ts', 'assets/api-docs/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a void one is expected: its rejection goes nowhere.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // TypeScript already refuses undeclared names, and its checker knows about types and overloads.
      'no-undef': 'off',
      'no-redeclare': 'off',
      'no-unused-vars': 'off',
      // Shadowing of Node's globals only (no-shadow would also report every nested `r` or `i`).
      'no-restricted-syntax': ['error', shadowedGlobal],
      eqeqeq: ['error', 'smart'],
      'no-self-compare': 'error',
      'no-constant-condition': ['error', { checkLoops: 'allExceptWhileTrue' }],
      'no-fallthrough': 'error',
      'no-unsafe-finally': 'error',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Published coefficients (Cody, AS241) and 20-digit reference values, kept as published: the
    // literal rounds to the nearest double, which is the intent.
    files: [
      'src/engine/pricing/bsm-batch.ts',
      'src/engine/pricing/cody-erfc-coefficients.ts',
      'src/engine/pricing/normal.ts',
      'src/engine/risk/normal-quantile.ts',
      'test/engine/pricing/bsm.test.ts',
    ],
    rules: { 'no-loss-of-precision': 'off' },
  },
);
