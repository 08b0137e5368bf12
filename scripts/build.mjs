// Bundles the CLI/server (dependencies stay in node_modules) and the agent (one self-contained
// file, but node-pty, a native module, is shipped beside it in the sprite's /.hob).
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
// TypeBox is bundled: from node_modules it is 266 small modules to load at every CLI start.
const external = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)].filter((name) => name !== '@sinclair/typebox');

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/hob.js',
  format: 'esm',
  external,
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/hob.js', 0o755);

await build({
  ...common,
  entryPoints: ['src/agent/main.ts'],
  outfile: 'dist/agent.js',
  format: 'cjs',
  external: ['node-pty', 'bufferutil', 'utf-8-validate'],
  minify: true,
  sourcemap: false,
});
