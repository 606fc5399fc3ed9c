/**
 * Structured logging as core needs it. Fields are ids, codes and counts — never request bodies, user
 * data, object keys or names that could carry PHI (I2). Powertools' Logger implements it at runtime.
 */
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
