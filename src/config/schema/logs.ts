/** `services.<name>.logs`: log sources and mining (filled in by the log pipeline). */
import { z } from 'zod';

export const serviceLogsSchema = z.strictObject({});
