import { existsSync, renameSync } from 'node:fs';

/** A store that cannot be used as asked, with the file and what to do about it. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly file: string,
    readonly code: string,
    detail: string,
  ) {
    super(`store ${file}: ${detail}`);
  }
}

type CodedError = { code?: unknown; message?: unknown };

function codeOf(error: unknown): string {
  const code = (error as CodedError | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** True for the errors that mean the file is not a sound SQLite database (it is moved aside and started afresh). */
export function isCorruption(error: unknown): boolean {
  return /^SQLITE_(CORRUPT|NOTADB)/.test(codeOf(error));
}

/** True when another process holds the file (another gateway with the same identity, or a running one). */
export function isBusy(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(codeOf(error));
}

/** Words a person can act on, naming the file. */
export function describeStoreError(error: unknown, file: string): string {
  const code = codeOf(error);
  const message = (error as CodedError | undefined)?.message;
  const detail = typeof message === 'string' ? message : String(error);
  if (error instanceof StoreError) return error.message;
  if (/^SQLITE_FULL/.test(code) || code === 'ENOSPC') return `the disk holding ${file} is full (${code})`;
  if (/^SQLITE_READONLY/.test(code) || code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return `${file} is not writable (${code}): check the directory's permissions or set store.path`;
  if (/^SQLITE_CANTOPEN/.test(code) || code === 'ENOTDIR' || code === 'ENOENT')
    return `cannot open ${file} (${code}): is store.path a writable directory?`;
  if (isBusy(error)) return `${file} is in use by another process (is another wiotp-gateway running with this identity?)`;
  if (isCorruption(error)) return `${file} is not a sound SQLite database (${code})`;
  if (code === 'EIO' || /^SQLITE_IOERR/.test(code))
    return `the disk holding ${file} reported an I/O error (${code}): it may be failing`;
  return `${file}: ${detail}${code ? ` (${code})` : ''}`;
}

/** Renames a corrupt database (and its WAL) to `<file>.corrupt-<time>`, kept for inspection; returns the new name. */
export function moveCorruptFileAside(file: string, at: Date): string {
  const aside = `${file}.corrupt-${at.toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  return aside;
}
