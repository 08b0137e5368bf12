/**
 * Image builds take from a second (tiny) to minutes (debian, imports), so every builder
 * reports what it is doing through one callback; the caller decides whether that becomes a
 * log line, an SSE event or a CLI progress bar.
 */
export interface BuildProgress {
  message: string;
  /** Units finished so far in the current phase (packages, files, …), when countable. */
  done?: number;
  /** Units in the current phase, only when known up front; absent means "unknown". */
  total?: number;
}

export type ProgressFn = (p: BuildProgress) => void;
