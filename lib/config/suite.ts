import * as z from 'zod';
import { type functionOverrides, logRetentionDays } from '../../lambdas/shared/config';

/** Suite-wide function defaults (`defaults` in the config); each job may override them in its `function` field. */
export const suiteDefaults = z.strictObject({
  logRetentionDays: z._default(logRetentionDays, 30),
  memorySize: z.number().int().min(128).max(10240).default(256),
  timeoutSeconds: z.number().int().min(1).max(900).default(60),
  /** Lambda's own retries of a failed asynchronous invocation (0-2) before the DLQ. */
  retryAttempts: z.number().int().min(0).max(2).default(2),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

export const DEFAULTS = {
  logRetentionDays: 30,
  memorySize: 256,
  timeoutSeconds: 60,
  retryAttempts: 2,
  logLevel: 'INFO',
} as const;

export type SuiteDefaults = z.infer<typeof suiteDefaults>;
export type FunctionSettings = z.infer<typeof functionOverrides>;

/** Resolves a function's effective settings: its overrides over the suite defaults. */
export function functionSettings(defaults: SuiteDefaults, overrides: FunctionSettings = {}) {
  return {
    memorySize: overrides.memorySize ?? defaults.memorySize,
    timeoutSeconds: overrides.timeoutSeconds ?? defaults.timeoutSeconds,
    logRetentionDays: overrides.logRetentionDays ?? defaults.logRetentionDays,
    reservedConcurrency: overrides.reservedConcurrency,
    retryAttempts: defaults.retryAttempts,
    logLevel: defaults.logLevel,
  };
}
export type ResolvedFunctionSettings = ReturnType<typeof functionSettings>;
