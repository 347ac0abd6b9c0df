import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createFallbackBuffer } from '../../src/buffer/createFallbackBuffer';
import { ConfigError, loadConfig } from '../../src/config/load';
import { apiLogRow } from '../../src/db/apiLogEvents';
import { classifyDbError } from '../../src/db/classifyDbError';
import { createLogger } from '../../src/observability/logger';
import { isSecretName } from '../../src/secrets/redact';
import { makeTempDir, type TempDir } from '../buffer/support/tempDir';
import { createMigratedDatabase, type MigratedDatabase } from '../db/support/migratedDatabase';

/**
 * Everything that leaves the bridge as text (a log line, an api_logs row, a fallback buffer file, a database error's
 * reason, a configuration error) hides the same things, because each passes through src/secrets. Each outlet gets
 * the same name=value pair (as an object key where it takes objects, and inside its message) and returns what it
 * wrote.
 */
type Outlet = (name: string, value: string) => Promise<string>;

describe('one set of secret rules for every outlet', () => {
  let m: MigratedDatabase;
  let temp: TempDir;
  let rowNumber = 0;

  beforeAll(async () => {
    m = await createMigratedDatabase('secrets');
    temp = makeTempDir('secrets-buffer');
  });
  afterAll(async () => {
    await m.dispose();
    temp.remove();
  });

  const event = (name: string, value: string) => {
    rowNumber += 1;
    return apiLogRow('disconnected', {
      key: `secrets:${rowNumber}`,
      at: 1_700_000_000_000 + rowNumber,
      account: 'DU1',
      mode: 'PORTAL',
      message: `login refused with ${name}=${value}`,
      details: { [name]: value, request: { [name]: value } },
    });
  };

  const outlets: Record<string, Outlet> = {
    'a log line': async (name, value) => {
      let text = '';
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          text += chunk.toString();
          done();
        },
      });
      createLogger('info', { destination }).warn({ [name]: value }, `login refused with ${name}=${value}`);
      return text;
    },
    'an api_logs row': async (name, value) => {
      const row = event(name, value);
      await m.db.insertApiLogs([row]);
      const stored = await m.db.query('select message, details from api_logs where log_key = $1', [row.key]);
      return JSON.stringify(stored);
    },
    'a fallback buffer file': async (name, value) => {
      const dir = join(temp.path, `buffer-${rowNumber + 1}`);
      await createFallbackBuffer({ dir }).append([{ kind: 'api_log', row: event(name, value) }]);
      return readdirSync(dir)
        .map((file) => readFileSync(join(dir, file), 'utf8'))
        .join('');
    },
    // The reason of a failed write becomes the DbWriteFailed message in Temporal's history, and a row's details.
    'a database error reason': async (name, value) =>
      classifyDbError(new Error(`connect failed: host=db ${name}=${value}`)).reason,
    'a configuration error': async (name, value) => {
      try {
        loadConfig({ IB_PORT: `${name}=${value}` });
      } catch (err) {
        if (err instanceof ConfigError) return err.message;
        throw err;
      }
      throw new Error('IB_PORT was accepted');
    },
  };

  /** Names the rules call secret: database and gateway passwords, API keys, tokens, the Client Portal's session. */
  const secrets: Array<[string, string]> = [
    ['password', 'S3cretPassword'],
    ['apiKey', 'S3cretApiKey'],
    ['sessionToken', 'S3cretToken'],
    ['x-sess-uuid', 'S3cretSessionId'],
  ];

  const cases = Object.keys(outlets).flatMap((outlet) => secrets.map(([name, value]) => [outlet, name, value]));

  it('calls each of those names a secret (the rule every outlet applies)', () => {
    expect(secrets.filter(([name]) => !isSecretName(name))).toEqual([]);
    expect(isSecretName('attempt')).toBe(false);
  });

  it.each(cases)('%s hides the value of %s', async (outlet, name, value) => {
    const written = await outlets[outlet](name, value);
    expect(written).toContain(name);
    expect(written).toContain('***');
    expect(written).not.toContain(value);
  });

  it.each(Object.keys(outlets))('%s keeps a value whose name is not a secret', async (outlet) => {
    const written = await outlets[outlet]('attempt', 'Visible7');
    expect(written).toContain('attempt');
    expect(written).toContain('Visible7');
    expect(written).not.toContain('***');
  });
});
