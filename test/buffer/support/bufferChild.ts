/**
 * A separate process that works on a fallback buffer until the test kills it:
 *   MODE=replay: replays into DATABASE_URL; prints each progress report as a JSON line; with
 *     STALL_AFTER=n it stops making progress after n batches (so a kill lands mid-replay).
 *   MODE=append: appends snapshot n = 0, 1, 2, ... forever, printing n after each append resolves.
 */
import { createDb } from '../../../src/db/createDb';
import { createFallbackBuffer } from '../../../src/buffer/createFallbackBuffer';
import { makeSnapshot } from '../../db/support/fixtures';

async function main(): Promise<void> {
  const dir = process.env.BUFFER_DIR;
  if (!dir) throw new Error('BUFFER_DIR is unset');
  const buffer = createFallbackBuffer({ dir, maxSegmentBytes: Number(process.env.MAX_SEGMENT_BYTES ?? 1 << 20) });
  if (process.env.MODE === 'append') {
    for (let n = 0; ; n++) {
      await buffer.append([{ kind: 'snapshot', row: makeSnapshot(n, { account: 'DUAPPEND' }) }]);
      process.stdout.write(`${n}\n`);
    }
  }
  const db = createDb({ url: process.env.DATABASE_URL ?? '' });
  const stallAfter = Number(process.env.STALL_AFTER ?? 0);
  let batches = 0;
  const result = await buffer.replay(db, {
    batchSize: Number(process.env.BATCH_SIZE ?? 100),
    onProgress: async (info) => {
      process.stdout.write(`${JSON.stringify(info)}\n`);
      batches += 1;
      if (stallAfter > 0 && batches >= stallAfter) {
        process.stdout.write('stalled\n');
        setInterval(() => undefined, 1000); // keep the process alive until it is killed
        await new Promise(() => undefined);
      }
    },
  });
  process.stdout.write(`${JSON.stringify({ done: result })}\n`);
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
