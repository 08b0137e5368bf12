/** The checkpoint, restore and fork part of the report: its rows, ratios, targets and notes. */
import { LARGE_MIB, RESTORE_STEP_LABELS, RESTORE_STEPS, SMALL_MIB, type CheckpointResults } from './checkpoints.js';
import type { BenchResults } from './report.js';
import { formatMs, type Summary } from './stats.js';

export const CHECKPOINT_TARGETS = {
  checkpointP50Ms: 100,
  restoreP50Ms: 300,
  forkP50Ms: 150,
} as const;

interface Row {
  label: string;
  summary: Summary;
}

const LARGE = `${LARGE_MIB / 1024} GiB`;
const SMALL = `${SMALL_MIB} MiB`;

export function checkpointRows(c: CheckpointResults): { section: string; rows: Row[] }[] {
  return [
    {
      section: `(d) checkpoint of a running sprite (data synced first)`,
      rows: [
        { label: `${SMALL} written: createCheckpoint`, summary: c.checkpointSmall },
        { label: '  of which saving (freeze, snapshots, thaw)', summary: c.checkpointSmallSaving },
        { label: '  bare `btrfs subvolume snapshot -r` (the floor)', summary: c.rawSnapshotSmall },
        { label: `${LARGE} written: createCheckpoint`, summary: c.checkpointLarge },
        { label: '  of which saving (freeze, snapshots, thaw)', summary: c.checkpointLargeSaving },
        { label: '  bare `btrfs subvolume snapshot -r` (the floor)', summary: c.rawSnapshot },
      ],
    },
    {
      section: `(e) restore → running, ${LARGE} checkpoint`,
      rows: [
        { label: 'restoreCheckpoint + first exec("true")', summary: c.restoreToFirstExec },
        { label: '  of which restoreCheckpoint (→ complete)', summary: c.restore },
        ...RESTORE_STEPS.map((step) => ({ label: `    ${RESTORE_STEP_LABELS[step]}`, summary: c.restoreSteps[step] })),
        { label: '  of which first exec("true")', summary: c.restoreFirstExec },
      ],
    },
    {
      section: `(f) fork → running, ${LARGE} sprite`,
      rows: [
        { label: 'fork of its current files + first exec', summary: c.forkToFirstExec },
        { label: '  of which forkSprite (request → 201)', summary: c.fork },
        { label: '    of which server handling (its log)', summary: c.forkServer },
        { label: '  of which first exec("true")', summary: c.forkFirstExec },
        { label: 'fork of a checkpoint + first exec', summary: c.forkCheckpointToFirstExec },
        { label: '  of which forkSprite (request → 201)', summary: c.forkCheckpoint },
        { label: '    of which server handling (its log)', summary: c.forkCheckpointServer },
        { label: '  of which first exec("true")', summary: c.forkCheckpointFirstExec },
      ],
    },
    {
      section: `(g) references: the ${LARGE} sprite root, same pool`,
      rows: [
        { label: '`cp -a` (coreutils 9: reflink=auto)', summary: c.copyCp },
        { label: '`cp -a --reflink=never`', summary: c.copyCpFull },
        { label: '`tar -cf - | tar -xf -`', summary: c.copyTar },
      ],
    },
  ];
}

export function checkpointRatios(c: CheckpointResults, ratio: (a: number, b: number) => string): [string, string][] {
  const large = c.checkpointLarge.medianMs;
  return [
    [`checkpoint ${LARGE} ÷ checkpoint ${SMALL}`, ratio(large, c.checkpointSmall.medianMs)],
    [`checkpoint ${LARGE} ÷ bare btrfs snapshot -r`, ratio(large, c.rawSnapshot.medianMs)],
    [`checkpoint ${LARGE} ÷ cp -a`, ratio(large, c.copyCp.medianMs)],
    [`checkpoint ${LARGE} ÷ cp -a --reflink=never`, ratio(large, c.copyCpFull.medianMs)],
    [`checkpoint ${LARGE} ÷ tar pipe`, ratio(large, c.copyTar.medianMs)],
    ['restore → running ÷ cp -a', ratio(c.restore.medianMs, c.copyCp.medianMs)],
    ['restore → running ÷ tar pipe', ratio(c.restore.medianMs, c.copyTar.medianMs)],
    ['fork → running ÷ cp -a', ratio(c.fork.medianMs, c.copyCp.medianMs)],
    ['fork → running ÷ tar pipe', ratio(c.fork.medianMs, c.copyTar.medianMs)],
  ];
}

export function checkpointTargets(c: CheckpointResults): { what: string; target: string; measured: string; met: boolean }[] {
  const t = (what: string, limitMs: number, s: Summary) => ({
    what,
    target: `≤ ${limitMs} ms`,
    measured: `${formatMs(s.medianMs)} ms`,
    met: s.medianMs <= limitMs,
  });
  return [
    t(`checkpoint p50, ${LARGE} written`, CHECKPOINT_TARGETS.checkpointP50Ms, c.checkpointLarge),
    t(`checkpoint p50, ${SMALL} written`, CHECKPOINT_TARGETS.checkpointP50Ms, c.checkpointSmall),
    t('restore → running p50', CHECKPOINT_TARGETS.restoreP50Ms, c.restore),
    t('fork → running p50 (current files)', CHECKPOINT_TARGETS.forkP50Ms, c.fork),
    t('fork → running p50 (a checkpoint)', CHECKPOINT_TARGETS.forkP50Ms, c.forkCheckpoint),
  ];
}

export function checkpointMethod(c: CheckpointResults): string[] {
  return [
    `- **(d)** one sprite (image \`tiny\`) writes \`head -c … /dev/urandom > /data/blob\` (${SMALL}, later ${LARGE}) and runs \`sync\` inside ` +
      'the sprite, as set-up before any timing; then `HobClient.createCheckpoint` is timed from the request until its NDJSON stream ends. ' +
      'After each one the previous checkpoint is deleted (not timed; the newest cannot be, the sprite derives from it), so every call ' +
      'finds the same checkpoints. **saving** is the part from the server\'s "Saving filesystem state" line to its `complete` line, as ' +
      'the client receives them: freezing the sprite\'s cgroup, `btrfs subvolume snapshot -r`, thawing, and the second snapshot that ' +
      'shows it at /.sprite/checkpoints. **The floor**: after each checkpoint, a bare `btrfs subvolume snapshot -r` of the ' +
      'sprite\'s root by hand (the btrfs command alone), deleted after it (not timed).',
    '- **(e)** `HobClient.restoreCheckpoint` of the last ' + `${LARGE} checkpoint, timed until its stream ends (the server ends it once the ` +
      'restarted sprite\'s agent answers: the sprite runs), then `sprite.exec("true")` through the SDK. The steps are told apart by when ' +
      'each of the server\'s progress lines reaches the client. The automatic checkpoint each restore makes of the files it replaces is ' +
      'deleted after it (not timed), so every restore does the same work.',
    '- **(f)** `HobClient.forkSprite` (POST /v1/sprites with `source`) of the same sprite\'s current files, and of that checkpoint, timed ' +
      'until the 201 (the fork runs), then `sprite.exec("true")` through the SDK; the fork is deleted after each run (not timed). ' +
      'Restores and the two kinds of fork take turns.',
    `- **(g)** the sprite's root (${formatBytes(c.treeBytes)} in ${c.treeFiles} files and directories: the image's plus the blob) ` +
      `on the host, copied to a plain directory on the same btrfs pool, ${c.copyN} times each, taking turns, after one untimed read of the whole tree so all read it from the page ` +
      'cache: `cp -a` as coreutils 9 runs it (`--reflink=auto`, so btrfs clones the file extents instead of copying the data), ' +
      '`cp -a --reflink=never`, and `tar -cf - -C root . | tar -xf - -C dest`. Each copy is removed and the host synced after it (not ' +
      'timed). Timed to the copy\'s exit, so their writeback is not counted (it flatters them).',
  ];
}

/** The paragraphs of "Where the time goes" about checkpoints, restore and fork. */
export function checkpointAnalysis(r: BenchResults): string[] {
  const c = r.checkpoints;
  const m = (s: Summary): string => `${formatMs(s.medianMs)} ms`;
  const [large, , restore, fork, forkCheckpoint] = checkpointTargets(c);
  const verdict = (t: { target: string; met: boolean } | undefined): string => `target ${t?.target ?? ''}: ${t?.met ? 'met' : 'not met'}`;
  const steps = c.restoreSteps;
  const replayedBoot = r.phases.runcRun.medianMs + r.phases.agentBoot.medianMs;
  const out: string[] = [];
  out.push(
    `**Checkpoint** (p50 ${m(c.checkpointLarge)} with ${LARGE} written, ${m(c.checkpointSmall)} with ${SMALL}; ${verdict(large)}). ` +
      'It does not grow with the data: a checkpoint is a read-only btrfs snapshot, whose cost is a transaction commit, not a copy. ' +
      `A bare \`btrfs subvolume snapshot -r\` of the same root takes ${m(c.rawSnapshot)}; the server's saving step (freeze, snapshot, thaw, ` +
      `and a second snapshot of the checkpoint for /.sprite/checkpoints) takes ${m(c.checkpointLargeSaving)}, about two bare snapshots, ` +
      'and the rest of the call is HTTP, the lock and SQLite. ' +
      `Copying the same tree takes ${m(c.copyCpFull)} with \`cp -a --reflink=never\` and ${m(c.copyTar)} through a tar pipe, ` +
      `but only ${m(c.copyCp)} with plain \`cp -a\`: coreutils 9 clones extents on btrfs, and this tree is ${c.treeFiles} files and directories, ` +
      'nearly all of its bytes in one file. A clone copy grows with the number of files and extents (a Debian image has tens of ' +
      'thousands of files); a snapshot does not.',
  );
  out.push(
    `**Restore → running** (p50 ${m(c.restore)}; ${verdict(restore)}; the first exec after it adds ${m(c.restoreFirstExec)}). ` +
      `Split by the server's progress lines: ${RESTORE_STEPS.map((s) => `${RESTORE_STEP_LABELS[s]} ${m(steps[s])}`).join('; ')}. ` +
      `Of the stop + automatic checkpoint step, the stop is \`RuncRuntime.destroy\` (\`runc kill KILL\`, polling /proc until init ` +
      `has exited, a plain \`runc delete\`), which takes ${m(r.phases.stop)} when the bench calls it on a ` +
      `replayed sprite, and a bare snapshot takes ${m(c.rawSnapshot)}. ` +
      `The boot is the same work as a cold create's (replayed by hand: \`runc run -d\` ${m(r.phases.runcRun)} + agent boot ` +
      `${m(r.phases.agentBoot)} = ${formatMs(replayedBoot)} ms). The new root itself (one writable snapshot of the checkpoint, two ` +
      'renames, deleting the old root) is the small part.',
  );
  out.push(
    `**Fork → running** (p50 ${m(c.fork)} from the current files, ${m(c.forkCheckpoint)} from a checkpoint; target ${fork?.target ?? ''}: ` +
      `${fork?.met ? 'met' : 'not met'} and ${forkCheckpoint?.met ? 'met' : 'not met'}). ` +
      'A fork is a cold create whose root is a snapshot of the source (taken frozen, when the source runs) instead of the image; ' +
      `a cold create → 201 takes ${m(r.createSprite)} in the same run. The server handles the fork in ${m(c.forkServer)} ` +
      `(${m(c.forkCheckpointServer)} from a checkpoint), of which the boot replayed by hand is ${formatMs(replayedBoot)} ms. ` +
      'Forks cannot take a warm spare: a spare\'s root is a snapshot of the image, not of the source.',
  );
  return out;
}

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'size unknown';
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
