import { closeSync, mkdtempSync, openSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/** The gateway certificate must be a readable file holding PEM, or the first HTTPS call fails far from the cause. */
export function caFileProblem(file: string): string | null {
  let text: string;
  try {
    if (!statSync(file).isFile()) return `config error: IB_PORTAL_CA_FILE=${file} is not a file`;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return `config error: IB_PORTAL_CA_FILE=${file} cannot be read (${errno(err)})`;
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    return `config error: IB_PORTAL_CA_FILE=${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  }
  return null;
}

/**
 * The buffer is only needed when Postgres is down, so a directory that cannot take it must be refused at start,
 * not found out during the outage. Permission bits say nothing for root or on a read-only mount, hence a real
 * write: a probe file in the directory, or a probe directory in its nearest existing parent. Nothing is left behind.
 */
export function fallbackDirProblem(dir: string): string | null {
  const problem = (what: string) => `config error: FALLBACK_DIR=${dir} ${what}`;
  const target = resolve(dir);
  let existing = target;
  for (;;) {
    try {
      const stats = statSync(existing);
      if (!stats.isDirectory()) {
        return existing === target
          ? problem('is not a directory')
          : problem(`cannot be created: ${existing} is a file`);
      }
      break;
    } catch (err) {
      const missing = errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR';
      if (!missing || dirname(existing) === existing) return problem(`cannot be checked (${errno(err)})`);
      existing = dirname(existing);
    }
  }
  try {
    if (existing === target) {
      const probe = join(existing, `.write-probe-${process.pid}`);
      closeSync(openSync(probe, 'wx'));
      unlinkSync(probe);
    } else {
      rmdirSync(mkdtempSync(join(existing, '.write-probe-')));
    }
    return null;
  } catch (err) {
    return existing === target
      ? problem(`is not writable (${errno(err)})`)
      : problem(`cannot be created in ${existing} (${errno(err)})`);
  }
}
