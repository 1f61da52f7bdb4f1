/** Every section of `npm run bench`, in the order a full run takes them. */
import type { BenchSection } from '../harness';
import { asyncSection } from './async';
import { clusterSection } from './cluster';
import { dataSection } from './data';
import { diagnosticsSection } from './diagnostics';
import { framesSection } from './frames';
import { gatewaySection } from './gateway';
import { handshakesSection } from './handshakes';
import { linesSection } from './lines';
import { memorySection } from './memory';
import { redisSection } from './redis';

export const sections: readonly BenchSection[] = [
  linesSection,
  framesSection,
  dataSection,
  handshakesSection,
  memorySection,
  gatewaySection,
  asyncSection,
  redisSection,
  clusterSection,
  diagnosticsSection,
];
