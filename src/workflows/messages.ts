import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BridgeStatus, BufferReport } from './types';

/** Names are the public operator interface: `temporal workflow signal --name pause`, `tctl workflow query --query_type status`. */
export const pauseSignal = defineSignal<[reason?: string]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const statusQuery = defineQuery<BridgeStatus>('status');
export const setIntervalUpdate = defineUpdate<{ previousMs: number; intervalMs: number }, [intervalMs: number]>(
  'setInterval',
);
/** Sent by each worker that does not hold the session when the row count of its fallback buffer changes. */
export const bufferReportSignal = defineSignal<[report: BufferReport]>('bufferReport');
