import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { AnyEventDefinition, EventDefinition } from './define';
import { envelopeSchema, type Envelope } from './envelope';
import {
  ledgerEntryPostedV1,
  merchantActivatedV1,
  merchantLoginAttackV1,
  merchantRegisteredV1,
  merchantSuspendedV1,
  merchantUpdatedV1,
  merchantVerifiedV1,
  paymentConfirmedV1,
  paymentFlaggedV1,
  paymentReallocatedV1,
  paymentReversedV1,
  qrCheckFlaggedV1,
  qrReportedV1,
  qrExpiredV1,
  qrIssuedV1,
  qrRevokedV1,
  settlementBatchCreatedV1,
  settlementFailedV1,
  settlementPaidV1,
} from './events';
import { TOPICS, type TopicKey, type TopicSpec } from './topics';

/** Every (type, version) MarketQR knows. A new event or version is one file in events/ and one line here. */
export const EVENT_DEFINITIONS = [
  merchantRegisteredV1,
  merchantVerifiedV1,
  merchantActivatedV1,
  merchantSuspendedV1,
  merchantUpdatedV1,
  merchantLoginAttackV1,
  qrIssuedV1,
  qrRevokedV1,
  qrExpiredV1,
  qrCheckFlaggedV1,
  qrReportedV1,
  paymentConfirmedV1,
  paymentFlaggedV1,
  paymentReversedV1,
  paymentReallocatedV1,
  ledgerEntryPostedV1,
  settlementBatchCreatedV1,
  settlementPaidV1,
  settlementFailedV1,
] as const;

type Definitions = (typeof EVENT_DEFINITIONS)[number];

/** The validated event a definition describes: envelope plus the schema's output type. */
export type EventOf<D> = D extends EventDefinition<infer T, infer V, infer S> ? Envelope<T, V, z.output<S>> : never;

/** Every known event, discriminated by `type` (then `version`): `switch (e.type)` narrows `e.data`. */
export type KnownEvent = EventOf<Definitions>;
export type EventType = KnownEvent['type'];
/** The events of one type, every version (narrow further on `version`). */
export type EventOfType<T extends EventType> = Extract<KnownEvent, { type: T }>;

const keyOf = (type: string, version: number) => `${type}@${version}`;
const byTypeAndVersion = new Map<string, AnyEventDefinition>(
  EVENT_DEFINITIONS.map((d) => [keyOf(d.type, d.version), d as AnyEventDefinition]),
);
if (byTypeAndVersion.size !== EVENT_DEFINITIONS.length)
  throw new Error('contracts: duplicate (type, version) in registry');

export const EVENT_TYPES: readonly EventType[] = [...new Set(EVENT_DEFINITIONS.map((d) => d.type))];

export function findEventDefinition(type: string, version: number): AnyEventDefinition | undefined {
  return byTypeAndVersion.get(keyOf(type, version));
}

/** The data schema of (type, version), or undefined when this build of the contracts does not know it. */
export function schemaFor(type: string, version: number): z.ZodType | undefined {
  return findEventDefinition(type, version)?.schema;
}

/** The topic (name without the deployment's prefix) an event travels on. Throws for an unknown (type, version). */
export function topicFor(type: string, version: number): TopicSpec {
  const d = findEventDefinition(type, version);
  if (!d) throw new Error(`contracts: no event ${type} v${version} in the registry`);
  return TOPICS[d.topic];
}

/** The definitions whose events travel on a topic. */
export function eventsOnTopic(topic: TopicKey): AnyEventDefinition[] {
  return EVENT_DEFINITIONS.filter((d) => d.topic === topic) as AnyEventDefinition[];
}

export interface ValidationIssue {
  path: string;
  message: string;
}

export type EventParseErrorCode =
  'EVENT.MALFORMED_JSON' | 'EVENT.INVALID_ENVELOPE' | 'EVENT.UNKNOWN_TYPE' | 'EVENT.INVALID_DATA';

/** Why a message is not a valid event. Whatever could be read (eventId, type, version) is kept for the dead letter. */
export interface EventParseError {
  code: EventParseErrorCode;
  message: string;
  issues: ValidationIssue[];
  eventId?: string;
  type?: string;
  version?: number;
}

export type ParseEventResult = { ok: true; event: KnownEvent } | { ok: false; error: EventParseError };

const toIssues = (error: z.ZodError): ValidationIssue[] =>
  error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

/**
 * Reads a message value (Buffer, string or already-parsed object) into a typed event. Never throws: a consumer turns
 * a failure into a dead letter with `error.code` as the reason.
 */
export function parseEvent(raw: unknown): ParseEventResult {
  let value: unknown = raw;
  if (raw instanceof Uint8Array) value = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (e) {
      return fail('EVENT.MALFORMED_JSON', `not JSON: ${(e as Error).message}`, []);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail('EVENT.MALFORMED_JSON', 'the message is not a JSON object', []);
  }

  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) {
    return fail('EVENT.INVALID_ENVELOPE', 'the envelope is invalid', toIssues(envelope.error), peek(value));
  }
  const { type, version, eventId } = envelope.data;
  const definition = findEventDefinition(type, version);
  if (!definition) {
    return fail('EVENT.UNKNOWN_TYPE', `unknown event ${type} v${version}`, [], { eventId, type, version });
  }
  const data = definition.schema.safeParse(envelope.data.data);
  if (!data.success) {
    return fail('EVENT.INVALID_DATA', `invalid data for ${type} v${version}`, toIssues(data.error), {
      eventId,
      type,
      version,
    });
  }
  return { ok: true, event: { ...envelope.data, data: data.data } as KnownEvent };
}

function fail(
  code: EventParseErrorCode,
  message: string,
  issues: ValidationIssue[],
  known: Pick<EventParseError, 'eventId' | 'type' | 'version'> = {},
): ParseEventResult {
  return { ok: false, error: { code, message, issues, ...known } };
}

/** Picks identifying fields from an invalid envelope, when they have the right shape, for diagnostics. */
function peek(value: object): Pick<EventParseError, 'eventId' | 'type' | 'version'> {
  const v = value as Record<string, unknown>;
  return {
    ...(typeof v.eventId === 'string' ? { eventId: v.eventId } : {}),
    ...(typeof v.type === 'string' ? { type: v.type } : {}),
    ...(typeof v.version === 'number' ? { version: v.version } : {}),
  };
}

/** Thrown by `createEvent` when a producer builds an event its own schema rejects: a bug, caught before storing. */
export class EventValidationError extends Error {
  readonly code = 'EVENT.INVALID_DATA';
  constructor(
    message: string,
    public readonly issues: ValidationIssue[],
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

export interface CreateEventInput<D> {
  /** The Kafka key: the merchant (stall) id for almost every event; see the event's `key`. */
  aggregateId: string;
  data: D;
  producer: string;
  /** Defaults to the new event's own id (it starts a flow). */
  correlationId?: string;
  /** Defaults to the correlation id. Use `causedBy(consumedEvent)` when reacting to an event. */
  causationId?: string;
  eventId?: string;
  occurredAt?: Date | string;
}

/** Builds a validated envelope. Throws EventValidationError if the data or envelope fields are wrong. */
export function createEvent<T extends string, V extends number, S extends z.ZodType>(
  definition: EventDefinition<T, V, S>,
  input: CreateEventInput<z.input<S>>,
): Envelope<T, V, z.output<S>> {
  const eventId = input.eventId ?? randomUUID();
  const correlationId = input.correlationId ?? eventId;
  const occurredAt =
    input.occurredAt instanceof Date ? input.occurredAt.toISOString() : (input.occurredAt ?? new Date().toISOString());
  const data = definition.schema.safeParse(input.data);
  if (!data.success) {
    throw new EventValidationError(`invalid data for ${definition.type} v${definition.version}`, toIssues(data.error));
  }
  const envelope = envelopeSchema.safeParse({
    eventId,
    type: definition.type,
    version: definition.version,
    occurredAt,
    aggregateId: input.aggregateId,
    correlationId,
    causationId: input.causationId ?? correlationId,
    producer: input.producer,
    data: data.data,
  });
  if (!envelope.success) {
    throw new EventValidationError(`invalid envelope for ${definition.type}`, toIssues(envelope.error));
  }
  return envelope.data as Envelope<T, V, z.output<S>>;
}
