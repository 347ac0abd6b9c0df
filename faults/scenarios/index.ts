import type { Scenario } from '../lib/scenario';
import { badConfiguration } from './badConfiguration';
import { gatewayFaults } from './gatewayFaults';
import { postgresOutage } from './postgresOutage';
import { temporalRestart } from './temporalRestart';
import { workerKills } from './workerKills';

/** In the order of issue 10. */
export const SCENARIOS: Scenario[] = [postgresOutage, workerKills, temporalRestart, gatewayFaults, badConfiguration];
