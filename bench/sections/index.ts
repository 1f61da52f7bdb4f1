/** Every section of `npm run bench`, in the order a full run takes them. */
import type { BenchSection } from '../harness';
import { dataSection } from './data';
import { gatewaySection } from './gateway';
import { linesSection } from './lines';

export const sections: readonly BenchSection[] = [linesSection, dataSection, gatewaySection];
