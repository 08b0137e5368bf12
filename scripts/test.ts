// The test command: type-checks and lints, builds, starts one Hob server for the whole run (its own data dir,
// pool, container prefix), runs every test file with node's test runner, and removes everything
// the run made, whatever happened. `npm test unit` runs only the unit tests (no root needed);
// it and `npm test -- <part of a file name>` skip both checks, which take longer than most files.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT, cleanupDataDir, makeRunDir, startServer, uniquePrefix } from '../test/helpers/server.js';

function find(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules') continue;
    if (statSync(path).isDirectory()) out.push(...find(path, suffix));
    else if (entry.endsWith(suffix)) out.push(path);
  }
  return out.sort();
}

const only = process.argv[2];
const unit = [...find(join(REPO_ROOT, 'src'), '.test.ts'), ...find(join(REPO_ROOT, 'scripts'), '.test.ts')];
const integration = find(join(REPO_ROOT, 'test'), '.test.ts');
const files = only === 'unit' ? unit : only !== undefined ? [...unit, ...integration].filter((f) => f.includes(only)) : [...unit, ...integration];

if (only === undefined) {
  // esbuild builds without checking types, so the type check is a step of its own.
  const checks = [
    { what: 'the type check (npm run typecheck)', args: [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit'] },
    { what: 'lint (npm run lint)', args: [join(REPO_ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.'] },
  ];
  for (const check of checks) {
    const result = spawnSync(process.execPath, check.args, { cwd: REPO_ROOT, stdio: 'inherit' });
    if (result.status !== 0) {
      console.error(`${check.what} failed; fix its findings before the tests run`);
      process.exit(result.status ?? 1);
    }
  }
}

const build = spawnSync('node', ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const prefix = uniquePrefix();
const runDir = makeRunDir(prefix);
const dataDir = join(runDir, 'data');
let status = 1;
try {
  const needsServer = files.some((f) => !unit.includes(f));
  const server = needsServer ? await startServer({ dataDir, prefix }) : undefined;
  try {
    const env = {
      ...process.env,
      HOB_TEST_URL: server?.url ?? '',
      HOB_TEST_TOKEN: server?.token ?? '',
      HOB_TEST_DATA_DIR: dataDir,
      HOB_TEST_PREFIX: prefix,
      HOB_TEST_RUN_DIR: runDir,
      HOB_TEST_SERVER_LOG: server?.logFile ?? '',
    };
    console.log(`running ${files.length} test files${server ? ` against ${server.url} (prefix ${prefix})` : ''}`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files.map((f) => relative(REPO_ROOT, f))], {
      cwd: REPO_ROOT,
      env,
      stdio: 'inherit',
    });
    status = run.status ?? 1;
  } finally {
    await server?.stop();
  }
} finally {
  cleanupDataDir(dataDir, prefix);
  rmSync(runDir, { recursive: true, force: true });
}
process.exit(status);
