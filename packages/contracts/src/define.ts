import type { z } from 'zod';
import type { TopicKey } from './topics';

/**
 * What the registry knows about one (type, version): its data schema and the topic it travels on. Each event file
 * builds exactly one of these, so adding an event is adding a file and one line in `registry.ts`.
 */
export interface EventDefinition<
  T extends string = string,
  V extends number = number,
  S extends z.ZodType = z.ZodType,
> {
  type: T;
  version: V;
  /** Key into TOPICS: every version of one type travels on the same topic unless a new topic is introduced. */
  topic: TopicKey;
  /** What `aggregateId` (the Kafka key) is for this event, for readers and for the README. */
  key: string;
  schema: S;
  description: string;
}

export type AnyEventDefinition = EventDefinition<string, number, z.ZodType>;

export function defineEvent<const T extends string, const V extends number, S extends z.ZodType>(
  definition: EventDefinition<T, V, S>,
): Readonly<EventDefinition<T, V, S>> {
  return Object.freeze(definition);
}
