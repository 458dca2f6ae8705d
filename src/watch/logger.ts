import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  readonly format: LogFormat;
  /** where each line goes (the CLI's stdout: the journal under systemd) */
  readonly write: (line: string) => void;
  readonly level?: string;
  readonly color?: boolean;
}

/**
 * pino, JSON lines by default (the journal, Loki, jq), or pino-pretty's rendering on a terminal.
 * Lines are written synchronously through `write`, so nothing is lost when the daemon exits and
 * tests can capture them without a worker thread.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  if (options.format === 'json') {
    return pino({ level, base: { name: 'lvsync' }, timestamp: pino.stdTimeFunctions.isoTime }, { write: options.write });
  }
  const prettify = pinoPretty.prettyFactory({ colorize: options.color ?? false, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' });
  return pino({ level, base: { name: 'lvsync' } }, { write: (line: string) => options.write(prettify(line)) });
}
