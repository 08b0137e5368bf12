/**
 * Pure edits of /etc/passwd, /etc/group, /etc/shadow and /etc/hosts text. Every image needs
 * a root and a `sprite` account the agent can run commands as; images that already define
 * them (debian after useradd, imports) keep their own lines untouched.
 */

export const SPRITE_USER = 'sprite';
export const SPRITE_UID = 1000;
export const SPRITE_GID = 1000;
export const SPRITE_HOME = '/home/sprite';

export function ensurePasswd(text: string, shell: string): string {
  let out = text;
  if (!hasEntry(out, 'root')) out = `root:x:0:0:root:/root:${shell}\n${out}`;
  if (!hasEntry(out, SPRITE_USER)) {
    out = appendLine(out, `${SPRITE_USER}:x:${SPRITE_UID}:${SPRITE_GID}::${SPRITE_HOME}:${shell}`);
  }
  return out;
}

export function ensureGroup(text: string): string {
  let out = text;
  if (!hasEntry(out, 'root')) out = `root:x:0:\n${out}`;
  // tty (gid 5) owns PTYs: devpts is mounted with gid=5, so the group must have a name.
  if (!hasEntry(out, 'tty') && !hasId(out, 5)) out = appendLine(out, 'tty:x:5:');
  if (!hasEntry(out, SPRITE_USER)) out = appendLine(out, `${SPRITE_USER}:x:${SPRITE_GID}:`);
  return out;
}

/**
 * Only called when the image has a shadow file: then PAM (sudo, su) looks the user up
 * there. `*` means "no password login", which NOPASSWD sudo does not need.
 */
export function ensureShadow(text: string, daysSinceEpoch: number): string {
  let out = text;
  if (!hasEntry(out, 'root')) out = `root:*:${daysSinceEpoch}:0:99999:7:::\n${out}`;
  if (!hasEntry(out, SPRITE_USER)) out = appendLine(out, `${SPRITE_USER}:*:${daysSinceEpoch}:0:99999:7:::`);
  return out;
}

export function ensureHosts(text: string): string {
  let out = text;
  const names = new Set(
    out
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim().split(/\s+/))
      .filter((fields) => fields.length > 1)
      .flatMap((fields) => fields.slice(1)),
  );
  if (!names.has('localhost')) {
    out = appendLine(out, '127.0.0.1\tlocalhost');
    out = appendLine(out, '::1\tlocalhost ip6-localhost ip6-loopback');
  }
  return out;
}

function hasEntry(text: string, name: string): boolean {
  return text.split('\n').some((line) => line.split(':')[0] === name);
}

/** Whether a group/passwd file already uses numeric id `id` (third field). */
function hasId(text: string, id: number): boolean {
  return text.split('\n').some((line) => line.split(':')[2] === String(id));
}

function appendLine(text: string, line: string): string {
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}${line}\n`;
}
