import type { Scenario } from '../lib/scenario';
import { postgresOutage } from './postgresOutage';
import { workerKills } from './workerKills';

/** In the order of issue 10. */
export const SCENARIOS: Scenario[] = [postgresOutage, workerKills];
