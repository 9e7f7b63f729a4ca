/**
 * @module config/schema-type — the types of configuration, derived from the zod schemas that
 * validate it, so a field is declared once (with its documentation) and cannot drift from what
 * the validation accepts.
 */
import type { z } from "zod";

/**
 * A value as the schema reads it, in the form the rest of the code passes around: read-only, and
 * an absent optional field absent — zod types one as `field?: T | undefined`, which
 * `exactOptionalPropertyTypes` keeps apart from `field?: T` (the SDK's settings refuse it). The
 * mapping keeps each field's documentation.
 */
export type Exact<T> = T extends readonly (infer E)[]
  ? readonly Exact<E>[]
  : T extends object
    ? { readonly [K in keyof T]: Exact<Exclude<T[K], undefined>> }
    : T;

/** What a schema accepts (see {@link Exact}). */
export type SchemaInput<S extends z.ZodType> = Exact<z.input<S>>;

/** What a schema returns, defaults applied (see {@link Exact}). */
export type SchemaOutput<S extends z.ZodType> = Exact<z.output<S>>;

/**
 * Optional fields made present, `undefined` when absent: for settings that always carry every
 * field, so that a reader sees at once which ones a configuration left out.
 */
export type Present<T> = { readonly [K in keyof T]-?: T[K] | undefined };
