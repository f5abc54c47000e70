/**
 * What the fake server saw the bot do, in order. Tests wait on these instead of sleeping.
 */
import { EventEmitter } from 'node:events';
import type { MessagePayload } from './model';

export type FakeEvent =
  | { kind: 'request'; method: string; route: string; status: number }
  | { kind: 'rate-limited'; method: string; route: string; retryAfterS: number; forced: boolean }
  | { kind: 'message.created'; channelId: string; message: MessagePayload; byBot: boolean }
  | { kind: 'message.edited'; channelId: string; message: MessagePayload }
  | { kind: 'message.deleted'; channelId: string; messageId: string; reason: string | null }
  | { kind: 'dm'; userId: string; message: MessagePayload }
  | { kind: 'member.timeout'; guildId: string; userId: string; until: string | null; reason: string | null }
  | { kind: 'commands.registered'; guildId: string | null; names: string[] }
  | { kind: 'interaction.callback'; interactionId: string; type: number; data: Record<string, unknown> | null }
  | { kind: 'interaction.followup'; interactionId: string; message: MessagePayload }
  | { kind: 'interaction.original-edited'; interactionId: string; message: MessagePayload }
  | { kind: 'gateway.identify'; shardId: number; shardCount: number; intents: number }
  | { kind: 'gateway.resume'; shardId: number; replayed: number }
  | { kind: 'cdn.fetch'; path: string; status: number };

export type FakeEventKind = FakeEvent['kind'];
export type EventOf<K extends FakeEventKind> = Extract<FakeEvent, { kind: K }>;

export class EventLog {
  readonly events: FakeEvent[] = [];
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  record(e: FakeEvent): void {
    this.events.push(e);
    this.#emitter.emit('event', e);
  }

  all<K extends FakeEventKind>(kind: K, pred: (e: EventOf<K>) => boolean = () => true): EventOf<K>[] {
    return this.events.filter((e): e is EventOf<K> => e.kind === kind && pred(e as EventOf<K>));
  }

  /**
   * Resolves with the first event of `kind` matching `pred`, looking at the past events first.
   * Rejects after `timeoutMs` with the kinds seen, so a failing test says what happened instead.
   */
  waitFor<K extends FakeEventKind>(kind: K, pred: (e: EventOf<K>) => boolean = () => true, timeoutMs = 10_000): Promise<EventOf<K>> {
    const past = this.all(kind, pred)[0];
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const onEvent = (e: FakeEvent): void => {
        if (e.kind === kind && pred(e as EventOf<K>)) {
          clearTimeout(timer);
          this.#emitter.off('event', onEvent);
          resolve(e as EventOf<K>);
        }
      };
      const timer = setTimeout(() => {
        this.#emitter.off('event', onEvent);
        const seen = this.events.slice(-15).map((e) => (e.kind === 'request' ? `${e.method} ${e.route} ${e.status}` : e.kind));
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${kind}; last events: ${seen.join(', ')}`));
      }, timeoutMs);
      this.#emitter.on('event', onEvent);
    });
  }
}
