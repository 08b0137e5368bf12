import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal, TokenStore } from '../store/tokens.js';

/** The browser sign-in cookie of sprite URLs; host-only, so each sprite's host has its own. */
export const SIGNIN_COOKIE = 'hob_url_auth';
/** The reserved path on every sprite host that serves the sign-in page and takes its form. */
export const SIGNIN_PATH = '/.hob/login';
const SIGNIN_MAX_AGE_S = 7 * 24 * 3600;

/**
 * Sign-in cookies hold the token's id, an expiry and an HMAC over them and the sprite's name
 * with a server key, never the token itself: a cookie leaked from one sprite's host opens
 * neither another sprite nor the API, and it dies with its token.
 */
export class SigninCookies {
  constructor(
    private readonly key: Buffer,
    private readonly tokens: TokenStore,
  ) {}

  /** The Set-Cookie value for a valid token, or undefined if the token is not valid. */
  issue(sprite: string, token: string, nowMs = Date.now()): string | undefined {
    const id = this.tokens.principal(token)?.tokenId;
    if (id === undefined) return undefined;
    const expires = Math.floor(nowMs / 1000) + SIGNIN_MAX_AGE_S;
    const value = `${id}.${expires}.${this.mac(sprite, id, expires)}`;
    return `${SIGNIN_COOKIE}=${value}; Path=/; Max-Age=${SIGNIN_MAX_AGE_S}; HttpOnly; SameSite=Lax`;
  }

  /** Whether a cookie value signs this sprite in: well formed, unexpired, ours, and its token still lives and `admits` it. */
  verify(sprite: string, value: string, admits: (principal: Principal) => boolean, nowMs = Date.now()): boolean {
    const match = /^([0-9a-f]{1,64})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (match === null) return false;
    const [, id = '', expiresText = '', mac = ''] = match;
    const expires = Number(expiresText);
    if (expires * 1000 < nowMs) return false;
    const expected = Buffer.from(this.mac(sprite, id, expires));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) && admitted(this.tokens.principalById(id, nowMs), admits);
  }

  private mac(sprite: string, id: string, expires: number): string {
    return createHmac('sha256', this.key).update(`hob-url-signin\n${sprite}\n${id}\n${expires}`).digest('base64url');
  }
}

/** Every value of one cookie in a Cookie header, and the header without that cookie (undefined if nothing is left). */
export function takeCookie(header: string | undefined, name: string): { values: string[]; rest: string | undefined } {
  const values: string[] = [];
  const rest: string[] = [];
  for (const piece of (header ?? '').split(';')) {
    const trimmed = piece.trim();
    if (trimmed.length === 0) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0 && trimmed.slice(0, eq).trim() === name) values.push(trimmed.slice(eq + 1).trim());
    else rest.push(trimmed);
  }
  return { values, rest: rest.length > 0 ? rest.join('; ') : undefined };
}

/** Where to go after signing in: only a path on the same host, never another site. */
export function safeNext(next: string | null | undefined): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/';
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The sign-in page: one form that posts an API token to SIGNIN_PATH. */
export function signinPage(sprite: string, next: string, problem?: string): string {
  const note = problem === undefined ? '' : `<p class="problem">${escapeHtml(problem)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in to ${escapeHtml(sprite)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:28em;margin:4em auto;padding:0 1em}input{font:inherit;width:100%;box-sizing:border-box;margin:.5em 0;padding:.4em}.problem{color:#b00}</style>
</head><body>
<h1>Sign in to ${escapeHtml(sprite)}</h1>
<p>This sprite's URL needs a Hob API token (<code>hob url update --auth public</code> opens it to everyone).</p>
${note}<form method="post" action="${SIGNIN_PATH}">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label>API token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<input type="submit" value="Sign in">
</form>
</body></html>
`;
}

function admitted(principal: Principal | undefined, admits: (principal: Principal) => boolean): boolean {
  return principal !== undefined && admits(principal);
}
