/** Node's fs errors carry `code` but are typed as plain Error; this narrows without a cast. */
export function errnoIs(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && codes.includes(err.code);
}
