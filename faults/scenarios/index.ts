import type { Scenario } from '../lib/scenario';
import { badConfiguration } from './badConfiguration';
import { diskFull } from './diskFull';
import { gatewayFaults } from './gatewayFaults';
import { malformedInput } from './malformedInput';
import { orphanedBuffer } from './orphanedBuffer';
import { postgresHung, postgresSlow } from './postgresDegraded';
import { postgresOutage } from './postgresOutage';
import { replayFailsOnce } from './replayFailsOnce';
import { rollingDeploy } from './rollingDeploy';
import { sameClientId } from './sameClientId';
import { secrets } from './secrets';
import { temporalRestart } from './temporalRestart';
import { workerKills } from './workerKills';
import { workerStartsDbDown } from './workerStartsDbDown';

/** In the order of docs/reliability.md. */
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
  postgresHung,
  postgresSlow,
  orphanedBuffer,
  replayFailsOnce,
  workerStartsDbDown,
  rollingDeploy,
];
