import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../src/infra/temporalServer';

// js-yaml's default schema resolves `<<` merge keys the way Compose does.
import { load } from 'js-yaml';

export const repoPath = (...parts: string[]): string => join(PROJECT_ROOT, ...parts);

export function readYaml<T>(relativePath: string): T {
  return load(readFileSync(repoPath(relativePath), 'utf8')) as T;
}

export interface ComposeHealthcheck {
  test: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposePort {
  target: number;
  published?: string | number;
  host_ip?: string;
}

export interface ComposeService {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  env_file?: Array<string | { path: string; required?: boolean }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: ComposeHealthcheck;
  ports?: Array<string | ComposePort>;
  volumes?: string[];
  restart?: string;
  stop_signal?: string;
  stop_grace_period?: string;
  container_name?: string;
  deploy?: { resources?: { limits?: { memory?: string } } };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * docker-compose.yml as `docker compose config` would see it with the given variables (none: the defaults):
 * `${NAME:-default}`, `${NAME-default}`, `${NAME}`, `$NAME` and `$$` are substituted in every string.
 */
export function loadCompose(variables: Record<string, string> = {}): ComposeFile {
  return interpolate(readYaml<unknown>('docker-compose.yml'), variables) as ComposeFile;
}

function interpolate(value: unknown, variables: Record<string, string>): unknown {
  if (typeof value === 'string') return substitute(value, variables);
  if (Array.isArray(value)) return value.map((item) => interpolate(item, variables));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, variables)]));
  }
  return value;
}

function substitute(text: string, variables: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, colon: string | undefined, fallback: string | undefined, bare?: string) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const set = variables[name];
      if (fallback === undefined) return set ?? '';
      const useFallback = colon ? set === undefined || set === '' : set === undefined;
      return useFallback ? fallback : set;
    },
  );
}

/** Compose durations such as "30s", "1m30s", "90s" in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = '';
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    total += Number(match[1]) * units[match[2]];
    consumed += match[0];
  }
  if (consumed !== text) throw new Error(`not a compose duration: ${text}`);
  return total;
}

export interface DockerInstruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions with continuation lines joined and comments dropped. */
export function dockerfileInstructions(): DockerInstruction[] {
  const joined = readFileSync(repoPath('Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Exec-form arguments (`["node", "x"]`) of the last instruction with this keyword in the final stage. */
export function execForm(keyword: 'CMD' | 'HEALTHCHECK' | 'ENTRYPOINT'): string[] {
  const found = finalStage().filter((i) => i.keyword === keyword);
  if (found.length === 0) throw new Error(`no ${keyword} in the Dockerfile's final stage`);
  const args = found[found.length - 1].args;
  const json = keyword === 'HEALTHCHECK' ? args.slice(args.indexOf(' CMD ') + ' CMD '.length) : args;
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`${keyword} is not in exec form: ${args}`);
  }
  return parsed;
}

/** Instructions after the last FROM. */
export function finalStage(): DockerInstruction[] {
  const all = dockerfileInstructions();
  const lastFrom = all.map((i) => i.keyword).lastIndexOf('FROM');
  return all.slice(lastFrom);
}

/** ENV of the final stage (it inherits none from the build stage), as name → value. */
export function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const instruction of finalStage().filter((i) => i.keyword === 'ENV')) {
    for (const pair of instruction.args.split(/\s+/)) {
      const [name, ...value] = pair.split('=');
      env[name] = value.join('=');
    }
  }
  return env;
}
