export {
  createFallbackBuffer,
  type BufferStats,
  type FallbackBuffer,
  type FallbackBufferOptions,
  type ReplayOptions,
  type ReplayProgress,
  type ReplayResult,
} from './createFallbackBuffer';
export { FallbackBufferError, type FallbackBufferErrorCode } from './fallbackBufferError';
export { BUFFER_FORMAT_VERSION, type BufferRecord } from './records';
export type { ReplayTarget } from './replaySegment';
