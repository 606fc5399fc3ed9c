import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogFields, Logger } from '../core/ports/logger.ts';

/** Core's Logger on Powertools' structured JSON logger (CloudWatch-friendly, same shape locally). */
export function powertoolsLogger(
  serviceName: string,
  level = process.env.LOG_LEVEL ?? 'INFO',
): Logger & { raw: PowertoolsLogger } {
  const raw = new PowertoolsLogger({ serviceName, logLevel: level as 'INFO' });
  const clean = (fields?: LogFields) =>
    Object.fromEntries(Object.entries(fields ?? {}).filter(([, v]) => v !== undefined));
  return {
    raw,
    debug: (message, fields) => raw.debug(message, clean(fields)),
    info: (message, fields) => raw.info(message, clean(fields)),
    warn: (message, fields) => raw.warn(message, clean(fields)),
    error: (message, fields) => raw.error(message, clean(fields)),
  };
}
