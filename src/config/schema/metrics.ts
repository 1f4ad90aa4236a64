/** `services.<name>.metrics`: metric series, detectors and forecasts. */
import { z } from 'zod';

export const serviceMetricsSchema = z.strictObject({});
