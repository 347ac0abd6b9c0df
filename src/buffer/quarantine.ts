import { join } from 'node:path';
import { QUARANTINE_FILE } from './bufferFiles';
import { appendDurably } from './durableWrite';

export interface QuarantineEntry {
  /** Segment file the line came from. */
  source: string;
  /** Byte offset of the line in that file. */
  offset: number;
  reason: string;
  /** The original line, verbatim, so nothing is lost and it can be fixed and re-buffered by hand. */
  line: string;
}

export async function quarantine(dir: string, entries: QuarantineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const at = Date.now();
  const text = entries.map((entry) => `${JSON.stringify({ v: 1, quarantinedAt: at, ...entry })}\n`).join('');
  await appendDurably(join(dir, QUARANTINE_FILE), text);
}
