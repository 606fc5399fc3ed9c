import type { LogFields, Logger } from '../../core/ports/logger.ts';

/** A logger that keeps every line, so tests can prove what never reaches the logs (PHI canaries). */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, fields?: LogFields) => {
    lines.push(JSON.stringify({ level, message, ...fields }));
  };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
