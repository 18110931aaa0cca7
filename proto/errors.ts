/**
 * The one error type Vigil throws on purpose, shared by every part. `code` is
 * stable for scripts, tests and the CLI's exit status; the message says which
 * step failed, on what, and what to do next.
 */
export type VigilErrorCode =
  | 'INVALID_ARGUMENT'
  | 'PERMISSION_DENIED'
  | 'UNSUPPORTED_KERNEL'
  | 'BPF_LOAD_FAILED'
  | 'ADDON_MISSING'
  | 'DECODE_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'UNAVAILABLE'
  | 'ALREADY_RUNNING'
  | 'INTERNAL';

export class VigilError extends Error {
  constructor(
    readonly code: VigilErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VigilError';
  }
}
