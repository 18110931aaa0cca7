/**
 * The one error type Vigil throws on purpose. `code` is stable for scripts and
 * tests; the message says which step failed, on what, and what to do next.
 */
export type VigilErrorCode =
  | 'INVALID_ARGUMENT'
  | 'PERMISSION_DENIED'
  | 'UNSUPPORTED_KERNEL'
  | 'BPF_LOAD_FAILED'
  | 'ADDON_MISSING'
  | 'DECODE_FAILED'
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
