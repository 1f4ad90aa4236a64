/** `services.<name>.slo`: service-level objectives. */
import { z } from 'zod';

export const serviceSloSchema = z.strictObject({});
