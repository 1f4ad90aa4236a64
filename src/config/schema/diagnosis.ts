/** Top-level `correlation`, `llm` and `alerts`: how findings become incidents and causes. */
import { z } from 'zod';

/** Reserved for correlation, LLM and Alertmanager settings. */
export const diagnosisSections = {};
