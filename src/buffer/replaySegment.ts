import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { classifyDbError } from '../db/classifyDbError';
import type { Db } from '../db/createDb';
import type { ApiLogRow, SnapshotRow } from '../db/types';
import { quarantine, type QuarantineEntry } from './quarantine';
import { decodeLine, type BufferRecord } from './records';

export type ReplayTarget = Pick<Db, 'insertSnapshots' | 'insertApiLogs'>;

export interface SegmentProgress {
  replayed: number;
  duplicates: number;
  quarantined: number;
}

interface PendingLine {
  record: BufferRecord;
  offset: number;
  line: string;
}

export interface ReplaySegmentOptions {
  dir: string;
  path: string;
  /** Committed byte offset to resume from. */
  startOffset: number;
  batchSize: number;
  /** Called after each committed batch with the byte offset up to which the segment is done. */
  onCommitted(offset: number, progress: SegmentProgress): Promise<void>;
  warn(message: string): void;
}

/**
 * Inserts one segment's lines from startOffset on, batch by batch, in file order. Lines that can
 * never be written (torn, unknown format, bad data) go to the quarantine with the reason. A
 * transient or statement-level database error is thrown: the committed offset stays where it was.
 */
export async function replaySegment(db: ReplayTarget, options: ReplaySegmentOptions): Promise<SegmentProgress> {
  const content = await readFile(options.path);
  const source = basename(options.path);
  const totals: SegmentProgress = { replayed: 0, duplicates: 0, quarantined: 0 };
  let batch: PendingLine[] = [];
  let rejected: QuarantineEntry[] = [];

  const commit = async (endOffset: number): Promise<void> => {
    const outcome = await insertBatch(db, batch, source);
    rejected.push(...outcome.rejected);
    await quarantine(options.dir, rejected);
    totals.replayed += outcome.inserted;
    totals.duplicates += outcome.duplicates;
    totals.quarantined += rejected.length;
    batch = [];
    rejected = [];
    await options.onCommitted(endOffset, { ...totals });
  };

  let position = options.startOffset;
  while (position < content.length) {
    const newline = content.indexOf(0x0a, position);
    const end = newline === -1 ? content.length : newline + 1;
    const line = content.subarray(position, newline === -1 ? content.length : newline).toString('utf8');
    if (line.trim() !== '') {
      const decoded = decodeLine(line);
      if (decoded.ok) {
        batch.push({ record: decoded.record, offset: position, line });
      } else {
        const torn = newline === -1 ? 'last line has no newline: ' : '';
        options.warn(`fallback buffer ${source} @${position}: ${torn}${decoded.reason}; moved to quarantine`);
        rejected.push({ source, offset: position, reason: `${torn}${decoded.reason}`, line });
      }
    }
    position = end;
    if (batch.length >= options.batchSize) await commit(position);
  }
  if (batch.length > 0 || rejected.length > 0) await commit(position);
  return totals;
}

interface BatchOutcome {
  inserted: number;
  duplicates: number;
  rejected: QuarantineEntry[];
}

async function insertBatch(db: ReplayTarget, batch: PendingLine[], source: string): Promise<BatchOutcome> {
  if (batch.length === 0) return { inserted: 0, duplicates: 0, rejected: [] };
  try {
    const counts = await insertRecords(db, batch);
    return { ...counts, rejected: [] };
  } catch (err) {
    if (!classifyDbError(err).badData) throw err;
  }
  // Some row is bad: find it by writing the batch row by row, so the good rows still land.
  const outcome: BatchOutcome = { inserted: 0, duplicates: 0, rejected: [] };
  for (const pending of batch) {
    try {
      const counts = await insertRecords(db, [pending]);
      outcome.inserted += counts.inserted;
      outcome.duplicates += counts.duplicates;
    } catch (err) {
      const problem = classifyDbError(err);
      if (!problem.badData) throw err;
      outcome.rejected.push({ source, offset: pending.offset, reason: problem.reason, line: pending.line });
    }
  }
  return outcome;
}

async function insertRecords(
  db: ReplayTarget,
  batch: PendingLine[],
): Promise<{ inserted: number; duplicates: number }> {
  const snapshots: SnapshotRow[] = [];
  const apiLogs: ApiLogRow[] = [];
  for (const { record } of batch) {
    if (record.kind === 'snapshot') snapshots.push(record.row);
    else apiLogs.push(record.row);
  }
  const a = await db.insertSnapshots(snapshots);
  const b = await db.insertApiLogs(apiLogs);
  return { inserted: a.inserted + b.inserted, duplicates: a.duplicates + b.duplicates };
}
