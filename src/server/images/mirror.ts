import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { errnoIs } from './errno.js';

/**
 * debootstrap must use the mirror this machine is already configured for: hosts often sit
 * behind a local mirror or a snapshot and have no other route out, so a hard-coded host
 * would fail exactly where Hob is deployed.
 */

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  enabled: boolean;
}

const SUPPORTED_SCHEMES = new Set(['http:', 'https:', 'file:']);

export function aptMirror(
  sourcesDir = '/etc/apt/sources.list.d',
  sourcesList = '/etc/apt/sources.list',
): string {
  const sources: AptSource[] = [];
  for (const name of listDir(sourcesDir)) {
    const file = path.join(sourcesDir, name);
    // apt itself only reads these two suffixes; anything else (".disabled", ".save") is off.
    if (name.endsWith('.sources')) sources.push(...parseDeb822(readText(file)));
    else if (name.endsWith('.list')) sources.push(...parseOneLine(readText(file)));
  }
  const listText = readTextIfExists(sourcesList);
  if (listText !== undefined) sources.push(...parseOneLine(listText));

  let best: { uri: string; score: number } | undefined;
  for (const source of sources) {
    const score = scoreSource(source);
    const uri = source.uris.find(isSupportedUri);
    if (score <= 0 || uri === undefined) continue;
    if (best === undefined || score > best.score) best = { uri: uri.replace(/\/+$/, ''), score };
  }
  if (best === undefined) {
    throw new Error(
      `no usable Debian mirror found in ${sourcesDir}/*.sources, ${sourcesDir}/*.list or ${sourcesList}: ` +
        'need an enabled "deb" entry with an http(s) or file URI, the "main" component and a release suite ' +
        '(e.g. bookworm, not only bookworm-security); add one or pass the mirror explicitly',
    );
  }
  return best.uri;
}

/**
 * A mirror can bootstrap only if it carries a full release ("bookworm"), not just an overlay
 * suite ("bookworm-security", "-updates", "-backports"). Third-party repositories (nodesource,
 * docker) also use "main", so a URI path ending in /debian wins ties.
 */
function scoreSource(source: AptSource): number {
  if (!source.enabled || !source.types.includes('deb')) return 0;
  if (!source.components.includes('main')) return 0;
  if (!source.suites.some((suite) => /^[a-z]+$/.test(suite))) return 0;
  const looksDebian = source.uris.some((uri) => /\/debian\/*$/.test(uri));
  return looksDebian ? 2 : 1;
}

function isSupportedUri(uri: string): boolean {
  try {
    return SUPPORTED_SCHEMES.has(new URL(uri).protocol);
  } catch {
    return false;
  }
}

export function parseDeb822(text: string): AptSource[] {
  const out: AptSource[] = [];
  // Stanzas are separated by blank lines; comment lines do not end a stanza.
  const stanzas = text.split(/\n[ \t]*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let current: string | undefined;
    for (const rawLine of stanza.split('\n')) {
      if (rawLine.startsWith('#')) continue;
      if (/^[ \t]/.test(rawLine)) {
        // Continuation line: belongs to the previous field (multi-line URIs/Suites).
        if (current !== undefined) fields.set(current, `${fields.get(current) ?? ''} ${rawLine.trim()}`);
        continue;
      }
      const match = /^([A-Za-z0-9-]+):(.*)$/.exec(rawLine);
      if (match === null) continue;
      const [, key = '', value = ''] = match;
      current = key.toLowerCase();
      fields.set(current, value.trim());
    }
    if (!fields.has('uris')) continue;
    out.push({
      types: words(fields.get('types')),
      uris: words(fields.get('uris')),
      suites: words(fields.get('suites')),
      components: words(fields.get('components')),
      enabled: (fields.get('enabled') ?? 'yes').toLowerCase() !== 'no',
    });
  }
  return out;
}

export function parseOneLine(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').trim();
    if (line === '') continue;
    // "deb [arch=amd64 signed-by=…] uri suite component…"; the options are irrelevant here.
    const withoutOptions = line.replace(/\[[^\]]*\]/, ' ');
    const [type, uri, suite, ...components] = words(withoutOptions);
    if (type === undefined || uri === undefined || suite === undefined) continue;
    out.push({ types: [type], uris: [uri], suites: [suite], components, enabled: true });
  }
  return out;
}

function words(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter((w) => w !== '');
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    if (errnoIs(err, 'ENOENT', 'ENOTDIR')) return [];
    throw err;
  }
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

function readTextIfExists(file: string): string | undefined {
  try {
    return readText(file);
  } catch (err) {
    if (errnoIs(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
}
