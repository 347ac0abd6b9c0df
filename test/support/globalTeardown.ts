import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__bridgeHarness;
  if (!state) return;
  await state.temporal?.stop();
  await state.postgres?.stop();
  rmSync(state.workDir, { recursive: true, force: true });
}
