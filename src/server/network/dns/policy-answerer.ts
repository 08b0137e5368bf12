import { addressRecords, questionOf, refusedAnswer } from './message.js';
import type { DnsAnswerer, DnsTransport } from './upstream.js';

/** What the forwarder asks of a sprite's name policy. */
export interface NameGate {
  /** Whether the sprite may resolve (and so reach) `name`. */
  allows(spriteId: string, name: string): boolean;
  /** Whether the sprite has a policy at all (with none, anything goes). */
  enforced(spriteId: string): boolean;
  /** Opens the addresses an allowed name resolved to; the answer waits for it. */
  admit(spriteId: string, name: string, records: { address: string; ttlS: number }[]): Promise<void>;
}

/**
 * Wraps the upstream answerer with a sprite's name policy: a denied name is answered REFUSED
 * without asking upstream; an allowed one is answered from upstream once its addresses are in
 * the sprite's allow set, so the sprite's first packet to them already passes.
 */
export class PolicyAnswerer implements DnsAnswerer {
  constructor(
    private readonly inner: DnsAnswerer,
    private readonly gate: NameGate,
  ) {}

  async answer(query: Buffer, context: { spriteId: string; transport: DnsTransport }): Promise<Buffer | undefined> {
    const question = questionOf(query);
    if (question === undefined) return this.gate.enforced(context.spriteId) ? undefined : this.inner.answer(query, context);
    if (!this.gate.allows(context.spriteId, question.name)) return refusedAnswer(query, question);
    const reply = await this.inner.answer(query, context);
    if (reply !== undefined) await this.gate.admit(context.spriteId, question.name, addressRecords(reply));
    return reply;
  }
}
