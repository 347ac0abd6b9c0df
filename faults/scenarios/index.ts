import type { Scenario } from '../lib/scenario';
import { badConfiguration } from './badConfiguration';
import { diskFull } from './diskFull';
import { gatewayFaults } from './gatewayFaults';
import { malformedInput } from './malformedInput';
import { postgresOutage } from './postgresOutage';
import { sameClientId } from './sameClientId';
import { secrets } from './secrets';
import { temporalRestart } from './temporalRestart';
import { workerKills } from './workerKills';

/** In the order of issue 10. */
export const SCENARIOS: Scenario[] = [
  postgresOutage,
  workerKills,
  temporalRestart,
  gatewayFaults,
  malformedInput,
  badConfiguration,
  diskFull,
  secrets,
  sameClientId,
];
