/**
 * The one registry of error codes. Every error that crosses a boundary (server → client,
 * agent → server) carries one of these codes; the HTTP status is derived from it, never set
 * by hand in a handler.
 */
export const ErrorCodes = {
  bad_request: { status: 400, retryable: false },
  invalid_name: { status: 400, retryable: false },
  unauthorized: { status: 401, retryable: false },
  /** Not allowed: a scoped or read-only token, token management without the admin token, or the sprite's own permissions refusing a file operation. */
  forbidden: { status: 403, retryable: false },
  not_found: { status: 404, retryable: false },
  method_not_allowed: { status: 405, retryable: false },
  already_exists: { status: 409, retryable: false },
  conflict: { status: 409, retryable: true },
  /** It existed and is over (a session that has ended, as Sprites answers a kill of one). */
  gone: { status: 410, retryable: false },
  /** A spend limit (the sprite's or the server's, per day or per month) is reached: the sprite may not run until it is raised or the period ends. */
  spend_limit_reached: { status: 402, retryable: false },
  body_too_large: { status: 413, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  image_not_ready: { status: 409, retryable: true },
  /** The server's cap on running sprites is reached (Sprites' code); the answer carries Retry-After. */
  concurrent_sprite_limit_exceeded: { status: 429, retryable: true },
  sprite_unavailable: { status: 503, retryable: true },
  insufficient_storage: { status: 507, retryable: false },
  agent_error: { status: 502, retryable: true },
  agent_incompatible: { status: 502, retryable: false },
  internal: { status: 500, retryable: true },
  /**
   * The server's own configuration is wrong (a flag, an environment variable, the data dir, the
   * host's set-up). Raised while it starts, where it becomes one line with the fix, not a stack.
   */
  invalid_config: { status: 500, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ErrorCodes;

/** The JSON body of every non-2xx API response (the Sprites SDK reads `error` and `message`). */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  /** The Sprites SDKs read these top-level fields of a refusal by a limit (`APIError.limit`, `currentCount`, `retryAfterSeconds`). */
  limit?: number;
  current_count?: number;
  retry_after_seconds?: number;
}

/** Detail fields that a refusal by a limit also carries at the top level, where the Sprites SDKs look. */
const SDK_LIMIT_FIELDS = ['limit', 'current_count', 'retry_after_seconds'] as const;

/**
 * Marks HobErrors across bundles: the CLI and the server it loads for `hob serve` are separate
 * bundles, each with its own copy of this class, so `instanceof` asks for the mark rather than
 * the class identity. Symbol.for is shared by every realm-local module copy.
 */
const HOB_ERROR = Symbol.for('hob.error');

export class HobError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [HOB_ERROR]?: unknown })[HOB_ERROR] === true; // reads one marker property
  }

  readonly [HOB_ERROR] = true;
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'HobError';
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return ErrorCodes[this.code].status;
  }

  get retryable(): boolean {
    return ErrorCodes[this.code].retryable;
  }

  toBody(): ErrorBody {
    if (this.details === undefined) return { error: this.code, message: this.message };
    const body: ErrorBody = { error: this.code, message: this.message, details: this.details };
    for (const field of SDK_LIMIT_FIELDS) {
      const value = this.details[field];
      if (typeof value === 'number') body[field] = value;
    }
    return body;
  }

  /** Whole seconds, at least 1, after which a retry may succeed (the Retry-After header), when the refusal knows. */
  get retryAfterSeconds(): number | undefined {
    const value = this.details?.retry_after_seconds;
    return typeof value === 'number' ? Math.max(1, Math.ceil(value)) : undefined;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value);
}

/** The code an error carries across a boundary: its own if it is a HobError, else `internal`. */
export function errorCodeOf(error: unknown): ErrorCode {
  return error instanceof HobError ? error.code : 'internal';
}
