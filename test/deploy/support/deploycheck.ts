import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoPath } from './deployFiles';

const run = promisify(execFile);
const SOURCE_DIR = repoPath('tools', 'deploycheck');
/** The first build downloads k8s.io/api and compose-go through the Go module proxy and compiles them: minutes. */
export const DEPLOYCHECK_BUILD_TIMEOUT_MS = 15 * 60_000;

export interface CheckResult {
  code: number;
  output: string;
}

/** The version tools/deploycheck/go.mod requires of a module, e.g. `v0.37.2` for k8s.io/api. */
export function requiredVersion(module: string): string {
  const goMod = readFileSync(join(SOURCE_DIR, 'go.mod'), 'utf8');
  const match = new RegExp(`^\\s*${module.replace(/[.]/g, '\\.')} (v\\S+)`, 'm').exec(goMod);
  if (!match) throw new Error(`tools/deploycheck/go.mod does not require ${module}`);
  return match[1];
}

/**
 * Builds tools/deploycheck once per source version into .tools (ignored by git), at the lowest CPU priority: the
 * machine may be running timing-sensitive work. Two test files may build at once, so each writes to its own name and
 * renames the result into place.
 */
export async function buildDeploycheck(): Promise<string> {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('the deployment checks need Go (1.26 or newer) on PATH to build tools/deploycheck');
  }
  const hash = createHash('sha256');
  for (const file of readdirSync(SOURCE_DIR).sort()) hash.update(file).update(readFileSync(join(SOURCE_DIR, file)));
  const outDir = repoPath('.tools', 'deploycheck');
  const binary = join(outDir, `deploycheck-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(outDir, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await run('nice', ['-n', '19', 'go', 'build', '-buildvcs=false', '-o', partial, '.'], {
      cwd: SOURCE_DIR,
      timeout: DEPLOYCHECK_BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const failure = err as Error & { stderr?: string };
    throw new Error(`building tools/deploycheck failed: ${failure.stderr || failure.message}`);
  }
  renameSync(partial, binary);
  return binary;
}

/** Runs the check; a problem is an exit code of 1 and `problem:` lines, not a thrown error. */
export async function deploycheck(binary: string, args: string[]): Promise<CheckResult> {
  try {
    const { stdout, stderr } = await run(binary, args, { cwd: repoPath(), timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const failure = err as Error & { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw err;
    return { code: failure.code, output: (failure.stdout ?? '') + (failure.stderr ?? '') };
  }
}

/**
 * Jest hooks of a deploycheck suite: the binary, built once for the file, and a fresh scratch directory per test
 * (for the broken copies each test writes).
 */
export function useDeploycheck(scratchPrefix: string): { binary(): string; scratch(): string } {
  let binary = '';
  let scratch = '';
  beforeAll(async () => {
    binary = await buildDeploycheck();
  }, DEPLOYCHECK_BUILD_TIMEOUT_MS);
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), scratchPrefix));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));
  return { binary: () => binary, scratch: () => scratch };
}
