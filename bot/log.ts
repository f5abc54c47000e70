/**
 * The bot's operational log: one line per event, `key=value` fields. Callers pass ids and error
 * codes only: never image URLs (they carry signed CDN tokens), pixels, hashes, tokens or keys.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface BotLogger {
  /** Per-message detail; printed only with VEIL_DEBUG=1. */
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

function line(level: string, event: string, fields: LogFields = {}): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`);
  return [new Date().toISOString(), level, event, ...parts].join(' ');
}

export function consoleLogger(prefix = '', debug = false): BotLogger {
  return {
    debug: (e, f) => {
      if (debug) console.log(prefix + line('debug', e, f));
    },
    info: (e, f) => console.log(prefix + line('info', e, f)),
    warn: (e, f) => console.warn(prefix + line('warn', e, f)),
    error: (e, f) => console.error(prefix + line('error', e, f)),
  };
}

/** Keeps events in memory (tests read them; nothing is printed). */
export class MemoryLogger implements BotLogger {
  readonly lines: { level: 'debug' | 'info' | 'warn' | 'error'; event: string; fields: LogFields }[] = [];
  debug(event: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'debug', event, fields });
  }
  info(event: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', event, fields });
  }
  warn(event: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', event, fields });
  }
  error(event: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'error', event, fields });
  }
}

/** The error's code when it has one (VeilError, DiscordAPIError), for log lines. */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err) return String((err as { code: unknown }).code);
  return err instanceof Error ? err.name : 'unknown';
}
