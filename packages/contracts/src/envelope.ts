import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The one envelope every MarketQR message travels in. The envelope is validated before the data, so a consumer can
 * always tell "not one of our messages" from "one of ours whose data is wrong", and dead-letter either with a reason.
 *
 * Fields:
 * - `eventId`: uuid, unique per event; consumers deduplicate on it (delivery is at least once).
 * - `type` + `version`: pick the data schema (`merchant.registered` v1). A breaking change is a new version.
 * - `occurredAt`: when the state change happened (ISO 8601 with offset), not when it was published.
 * - `aggregateId`: the Kafka message key. For almost every event the merchant (stall) id, so one stall stays in order;
 *   each event file says what its key is.
 * - `correlationId`: the same for every message of one business flow (an HTTP request id, a webhook id, a cut-off run).
 * - `causationId`: the id of the message or request that directly caused this one (`eventId` of the consumed event).
 * - `producer`: the service that wrote it (`merchant-onboarding`).
 * - `data`: the event's own payload, validated by the schema registered for (type, version).
 */
export const envelopeSchema = z.object({
  eventId: z.uuid(),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*)+$/, 'a dotted lower-case event type such as merchant.registered'),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  aggregateId: z.string().min(1).max(200),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200),
  producer: z.string().min(1).max(100),
  data: z.record(z.string(), z.unknown()),
});

/** An envelope whose data has not been checked against its event schema yet. */
export type RawEnvelope = z.infer<typeof envelopeSchema>;

/** A validated event: envelope fields plus typed data. */
export type Envelope<T extends string = string, V extends number = number, D = unknown> = Omit<
  RawEnvelope,
  'type' | 'version' | 'data'
> & {
  type: T;
  version: V;
  data: D;
};

/** Keeps a chain of events traceable: the new event shares the flow's correlation id and names its cause. */
export function causedBy(event: Pick<RawEnvelope, 'eventId' | 'correlationId'>): {
  correlationId: string;
  causationId: string;
} {
  return { correlationId: event.correlationId, causationId: event.eventId };
}

/**
 * A name-based (RFC 9562 version 5) UUID for an event id: an event that can be raised for one fact only once (a QR
 * expired, a line paid) gets the same id from every writer, so a second writer (a retry, another replica) stages an id
 * the outbox's unique `_id` refuses and that consumers drop as a duplicate. `namespace` is 16 bytes, one per producer.
 */
export function nameBasedEventId(namespace: Buffer, name: string): string {
  const h = createHash('sha1').update(namespace).update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
