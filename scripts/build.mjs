// Seven bundles. The CLI is CommonJS with its few dependencies inside, so a client command reads
// one file and resolves no packages: dist/hob.js, the executable, runs dist/cli.js through V8's
// code cache (src/cli/bin.ts), or dist/cli-exec.js, the same CLI with only `hob exec` and `hob
// console`, for those two. The CLI does not contain the server, which is its own ESM bundle
// (dist/server.mjs, dependencies left in node_modules) that only `hob serve` imports. The agent
// is one self-contained file, but node-pty, a native module, is shipped beside it in the
// sprite's /.hob. So are sprite-env, the command line of the in-sprite API, run on that same
// node, and the file worker the agent starts as a sprite's user.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };

// What the CLI imports lazily. The server (src/server/bundle.ts) becomes an import() of the
// server bundle. A built-in module imported with import() becomes a require() that runs where
// the import() was: the launcher compiles the CLI with vm.Script, whose import() goes through an
// experimental Node API that prints a warning, and built-ins need no ESM loader.
const lazyImports = {
  name: 'lazy-imports',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/server\/bundle\.js$/ }, () => ({ path: './server.mjs', external: true }));
    pluginBuild.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'lazy-builtin' } : undefined));
    pluginBuild.onResolve({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ path: args.path, external: true }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});` }));
  },
};

// Commander requires node:child_process when it loads, for subcommands that are executables of
// their own, which the CLI has none of; loading it is a millisecond of every command's start.
const commanderLazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({ contents: 'module.exports = { get spawn() { return require("node:child_process").spawn; } };' }));
  },
};

// package.json says "type": "module"; this makes Node read dist/*.js (CLI, agent) as CommonJS.
mkdirSync('dist', { recursive: true });
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');

await build({
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/hob.js',
  format: 'cjs',
  sourcemap: false,
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/hob.js', 0o755);

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
  format: 'cjs',
  plugins: [lazyImports, commanderLazyChildProcess],
});

// `hob exec` and `hob console` alone (src/cli/exec-main.ts): V8's code cache of a script costs
// in proportion to the whole script, whatever part of it a command runs.
await build({
  ...common,
  entryPoints: ['src/cli/exec-main.ts'],
  outfile: 'dist/cli-exec.js',
  format: 'cjs',
  plugins: [lazyImports, commanderLazyChildProcess],
});

await build({
  ...common,
  entryPoints: ['src/server/bundle.ts'],
  outfile: 'dist/server.mjs',
  format: 'esm',
  packages: 'external',
});

await build({
  ...common,
  entryPoints: ['src/agent/main.ts'],
  outfile: 'dist/agent.js',
  format: 'cjs',
  external: ['node-pty', 'bufferutil', 'utf-8-validate'],
  minify: true,
  sourcemap: false,
});

// The file worker the agent starts as a sprite's user for each file operation (src/agent/fs/runner.ts):
// a bundle of its own, so each start parses only what file operations need.
await build({
  ...common,
  entryPoints: ['src/agent/fs-worker.ts'],
  outfile: 'dist/fs-worker.js',
  format: 'cjs',
  minify: true,
  sourcemap: false,
});

await build({
  ...common,
  entryPoints: ['src/sprite-env/bin.ts'],
  outfile: 'dist/sprite-env.js',
  format: 'cjs',
  minify: true,
  sourcemap: false,
});
