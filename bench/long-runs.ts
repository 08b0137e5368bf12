/**
 * Results of the runs too long for `npm run bench` (`npm run density`, `npm run soak`). Each
 * keeps its latest result in bench/results/<kind>.md, and BENCHMARKS.md ends with all of them:
 * a long run rewrites that ending, and the bench, which rewrites the rest, puts it back.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/server.js';
import { loadAverage } from './machine.js';

const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
const BENCHMARKS = join(REPO_ROOT, 'BENCHMARKS.md');
const HEADING = '## Long runs';

export interface LongRun {
  kind: 'density' | 'soak';
  title: string;
  /** The command line that produced it, as a user would type it. */
  command: string;
  /** Markdown: what was measured, in a table or a few lines. */
  body: string[];
}

/** Saves a long run's result and puts it into BENCHMARKS.md at once. */
export function saveLongRun(run: LongRun, loadAtStart: number): void {
  const section = [
    `### ${run.title}`,
    '',
    `\`${run.command}\`, ${new Date().toISOString()}, load average (1 min) at start / end ${loadAtStart} / ${loadAverage()}.`,
    '',
    ...run.body,
    '',
  ].join('\n');
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${run.kind}.md`), section);
  if (existsSync(BENCHMARKS)) {
    const text = readFileSync(BENCHMARKS, 'utf8');
    const at = text.indexOf(`\n${HEADING}\n`);
    writeFileSync(BENCHMARKS, `${at === -1 ? text.trimEnd() : text.slice(0, at).trimEnd()}\n\n${longRunsSection()}`);
  }
}

/** The ending of BENCHMARKS.md: every long run's latest result, or nothing before the first. */
export function longRunsSection(): string {
  const files = existsSync(RESULTS_DIR) ? readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.md')).sort() : [];
  if (files.length === 0) return '';
  const intro = 'Measured by their own commands (each takes minutes), not by `npm run bench`; each holds its latest result.';
  return [HEADING, '', intro, '', ...files.map((f) => readFileSync(join(RESULTS_DIR, f), 'utf8').trimEnd() + '\n')].join('\n');
}
