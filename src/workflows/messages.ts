import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BridgeStatus, BufferReport, SessionRelease } from './types';

/** Names are the public operator interface: `temporal workflow signal --name pause`, `tctl workflow query --query_type status`. */
export const pauseSignal = defineSignal<[reason?: string]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const statusQuery = defineQuery<BridgeStatus>('status');
export const setIntervalUpdate = defineUpdate<{ previousMs: number; intervalMs: number }, [intervalMs: number]>(
  'setInterval',
);
/** Sent by each worker that does not hold the session when the row count of its fallback buffer changes. */
export const bufferReportSignal = defineSignal<[report: BufferReport]>('bufferReport');
/**
 * Sent by the session worker when it stops gracefully, after its last cycle: it has closed the IB connection and
 * released the lease, so the workflow takes the session on another worker at once instead of at the next slot.
 */
export const sessionReleasedSignal = defineSignal<[release: SessionRelease]>('sessionReleased');
