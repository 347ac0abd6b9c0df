import { redactEvent } from '../secrets/redact';
import type { ApiLogRow, SnapshotRow } from '../db/types';

/** Bumped when the line layout changes; replay refuses (quarantines) versions it does not know. */
export const BUFFER_FORMAT_VERSION = 1;

export type BufferRecord = { kind: 'snapshot'; row: SnapshotRow } | { kind: 'api_log'; row: ApiLogRow };

/** One JSONL line, newline included: {"v":1,"kind":"snapshot","row":{...}}. api_logs rows are redacted first. */
export function encodeRecord(record: BufferRecord): string {
  const row = record.kind === 'api_log' ? redactEvent(record.row) : record.row;
  return `${JSON.stringify({ v: BUFFER_FORMAT_VERSION, kind: record.kind, row })}\n`;
}

export type DecodedLine = { ok: true; record: BufferRecord } | { ok: false; reason: string };

export function decodeLine(line: string): DecodedLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `torn or corrupt line (${(err as Error).message})` };
  }
  if (typeof parsed !== 'object' || parsed === null) return { ok: false, reason: 'line is not a JSON object' };
  const { v, kind, row } = parsed as { v?: unknown; kind?: unknown; row?: unknown };
  if (v !== BUFFER_FORMAT_VERSION) return { ok: false, reason: `unsupported buffer format version ${String(v)}` };
  if (typeof row !== 'object' || row === null) return { ok: false, reason: 'record has no row object' };
  if (kind === 'snapshot') return { ok: true, record: { kind, row: row as SnapshotRow } };
  if (kind === 'api_log') return { ok: true, record: { kind, row: row as ApiLogRow } };
  return { ok: false, reason: `unknown record kind ${JSON.stringify(kind)}` };
}
