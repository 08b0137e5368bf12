/** The file-transfer part of the report: the filesystem API against cat through exec and the host's own disk. */
import { FILE_MIB, type FilesResults } from './files.js';
import { formatRate, type RateSummary } from './stats.js';

export function filesRateRows(f: FilesResults): { section: string; rows: { label: string; summary: RateSummary }[] }[] {
  return [
    {
      section: `(r) a ${f.fileMiB} MiB file into and out of a sprite, MiB/s`,
      rows: [
        { label: 'write: fs API (PUT /fs/write)', summary: f.apiWrite },
        { label: 'write: `cat >` through a WebSocket exec', summary: f.execWrite },
        { label: 'write: the host\'s disk (a copy in the run dir)', summary: f.localWrite },
        { label: 'read: fs API (GET /fs/read)', summary: f.apiRead },
        { label: 'read: `cat` through a WebSocket exec', summary: f.execRead },
        { label: 'read: the host\'s disk', summary: f.localRead },
      ],
    },
  ];
}

export function filesRatios(f: FilesResults, ratio: (a: number, b: number) => string): [string, string][] {
  return [
    ['write MiB/s, fs API ÷ cat through exec', ratio(f.apiWrite.median, f.execWrite.median)],
    ['write MiB/s, fs API ÷ the host\'s disk', ratio(f.apiWrite.median, f.localWrite.median)],
    ['read MiB/s, fs API ÷ cat through exec', ratio(f.apiRead.median, f.execRead.median)],
    ['read MiB/s, fs API ÷ the host\'s disk', ratio(f.apiRead.median, f.localRead.median)],
  ];
}

export function filesMethod(f: FilesResults): string[] {
  return [
    `- **(r)** on the server of (a) cold, one sprite of image \`tiny\` (so its files are written as root, in the agent itself; ` +
      `another user's go through a worker process, see the README's Files section). A ${FILE_MIB} MiB file of random bytes on the ` +
      'host is sent into the sprite and read back six ways, taking turns, after one untimed round: `PUT /fs/write` with the file ' +
      'as a streamed body and `GET /fs/read` read to its end (node:http, as the SDK\'s writeFile and readFile send them); ' +
      '`sh -c "cat > file"` through a WebSocket exec with the file as 1 MiB stdin frames (each sent once the previous one has ' +
      'left) and then end of stdin, and `cat file` through one, both to the exit frame; and a copy of the file on the host, in ' +
      'the bench\'s run dir (the filesystem the pool\'s loop file lives on), then a read of it. Nothing is synced to disk, and ' +
      `every read follows its write, so reads come from the page cache on all three sides. ${f.apiWrite.n} rounds; MiB/s are 2^20 bytes a second.`,
  ];
}

export function filesAnalysis(f: FilesResults): string[] {
  const rate = (s: RateSummary): string => `${formatRate(s.median)} MiB/s`;
  return [
    `**Files** (${FILE_MIB} MiB: written through the fs API at ${rate(f.apiWrite)}, through \`cat\` in an exec at ${rate(f.execWrite)}, ` +
      `on the host's disk at ${rate(f.localWrite)}; read at ${rate(f.apiRead)}, ${rate(f.execRead)} and ${rate(f.localRead)}). ` +
      'The API streams the body through Hob\'s server (one HTTP request to the agent on its unix socket, piped both ways with ' +
      'backpressure) into a file the agent writes; exec frames every chunk as a WebSocket message twice (client to server, server to ' +
      'agent, relayed untouched) and the bytes pass through a pipe into `cat`. Both cross the sprite\'s btrfs pool, a loop file on ' +
      'the host\'s filesystem, where the host\'s own copy writes directly.',
  ];
}
