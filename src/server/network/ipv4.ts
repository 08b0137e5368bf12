/** IPv4 addresses and prefixes as numbers, for picking and splitting address blocks. */

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  readonly base: number;
  readonly prefixLength: number;
}

export function parseAddress(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatAddress(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** `a.b.c.d/n` with no host bits set; a bare address is a /32. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, length, ...rest] = text.split('/');
  if (address === undefined || rest.length > 0) return undefined;
  const base = parseAddress(address);
  const prefixLength = length === undefined ? 32 : /^\d{1,2}$/.test(length) ? Number(length) : NaN;
  if (base === undefined || !(prefixLength >= 0 && prefixLength <= 32)) return undefined;
  if (base % size({ base: 0, prefixLength }) !== 0) return undefined;
  return { base, prefixLength };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.base)}/${cidr.prefixLength}`;
}

/** How many addresses a prefix holds. */
export function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefixLength);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The prefixes of length `prefixLength` that `range` splits into, lowest first. */
export function* subnets(range: Cidr, prefixLength: number): Generator<Cidr> {
  if (prefixLength < range.prefixLength) return;
  const step = 2 ** (32 - prefixLength);
  for (let base = range.base; base < range.base + size(range); base += step) yield { base, prefixLength };
}
