import { Registry } from '../core/index.js';
import { ArtDetector } from './art.js';
import { ContextDetector } from './context.js';
import { CusumDetector } from './cusum.js';
import type { DetectorFactory } from './detector.js';
import { EnsembleDetector } from './ensemble.js';
import { EwmaDetector } from './ewma.js';
import { HoltWintersDetector } from './holt-winters.js';
import { IsolationForestDetector } from './isolation-forest.js';
import { RobustZDetector } from './robust-z.js';

/** Streaming detectors by name, as config (`detector: auto`) and the CLI name them. */
export const detectors = new Registry<DetectorFactory>('detector')
  .register('auto', (o) => new EnsembleDetector(o))
  .register('robust-z', (o) => new RobustZDetector(o))
  .register('ewma', (o) => new EwmaDetector(o))
  .register('holt-winters', (o) => new HoltWintersDetector(o))
  .register('cusum', (o) => new CusumDetector(o))
  .register('iforest', (o) => new IsolationForestDetector(o))
  .register('art', (o) => new ArtDetector(o))
  .register('context', (o) => new ContextDetector(o));
