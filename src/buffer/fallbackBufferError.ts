export type FallbackBufferErrorCode = 'disk_full' | 'unwritable' | 'io';

/**
 * The buffer could not store rows. The message is one line naming the path and the cause; `code`
 * lets the caller pick the api_logs event / metric without parsing it.
 */
export class FallbackBufferError extends Error {
  override readonly name = 'FallbackBufferError';
  constructor(
    message: string,
    readonly code: FallbackBufferErrorCode,
    readonly errno: string | undefined,
    readonly path: string,
  ) {
    super(message);
  }
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ENOENT', 'EEXIST']);

export function toFallbackBufferError(err: unknown, path: string, what: string): FallbackBufferError {
  if (err instanceof FallbackBufferError) return err;
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const code = errno && DISK_FULL.has(errno) ? 'disk_full' : errno && UNWRITABLE.has(errno) ? 'unwritable' : 'io';
  const cause = code === 'disk_full' ? 'disk full' : code === 'unwritable' ? 'not writable' : 'I/O error';
  const detail = errno ?? (err instanceof Error ? err.message : String(err));
  return new FallbackBufferError(`fallback buffer ${path}: ${cause} (${detail}): ${what}`, code, errno, path);
}
