/**
 * Builders for hand-written schemas in the `OpenApiSchema` subset the validator understands. Each builder emits the
 * same keywords a Kubernetes CRD generated from protobuf would carry for that field type, so the validator's
 * checks (integer ranges, nullable wrappers, the duration rule, "at most one of" groups) apply unchanged.
 */
import type { OpenApiSchema } from "./types";

const UINT32_MAX = 4294967295;

/** The one CEL rule the validator evaluates (model/traffic/openapi/duration.ts); nothing else is emitted. */
export const DURATION_AT_LEAST_1MS = "duration(self) >= duration('1ms')";

interface Nullable {
  /** A protobuf wrapper type (`google.protobuf.UInt32Value`, `BoolValue`, `DoubleValue`): `null` is allowed. */
  readonly nullable?: boolean;
}

interface Range {
  readonly minimum?: number;
  readonly maximum?: number;
}

function withNullable(schema: OpenApiSchema, opts: Nullable): OpenApiSchema {
  return opts.nullable === true ? { ...schema, nullable: true } : schema;
}

/** A string, optionally with a maximum length. */
export function str(opts: { readonly maxLength?: number } = {}): OpenApiSchema {
  return opts.maxLength === undefined ? { type: "string" } : { type: "string", maxLength: opts.maxLength };
}

/** A boolean (`bool`, or `google.protobuf.BoolValue` with `nullable`). */
export function bool(opts: Nullable = {}): OpenApiSchema {
  return withNullable({ type: "boolean" }, opts);
}

/** A protobuf `int32`: range-checked through `format`. */
export function int32(): OpenApiSchema {
  return { type: "integer", format: "int32" };
}

/** A protobuf `uint32` (or `UInt32Value` with `nullable`): 0..2^32-1, as explicit bounds; `minimum`/`maximum` narrow it. */
export function uint32(opts: Nullable & Range = {}): OpenApiSchema {
  return withNullable({ type: "integer", minimum: opts.minimum ?? 0, maximum: opts.maximum ?? UINT32_MAX }, opts);
}

/** A protobuf `uint64`: only the lower bound 0 is stated. */
export function uint64(): OpenApiSchema {
  return { type: "integer", minimum: 0 };
}

/** A protobuf `double` (or `DoubleValue` with `nullable`), with optional bounds. */
export function double(opts: Nullable & Range = {}): OpenApiSchema {
  const { minimum, maximum } = opts;
  const bounds = { ...(minimum === undefined ? {} : { minimum }), ...(maximum === undefined ? {} : { maximum }) };
  return withNullable({ type: "number", format: "double", ...bounds }, opts);
}

/** A protobuf enum, written as its value names (order kept: it is the order error messages list them in). */
export function enumOf(values: readonly string[]): OpenApiSchema {
  return { type: "string", enum: [...values] };
}

/** A `google.protobuf.Duration`, a Go duration string that must be at least 1ms. */
export function duration(): OpenApiSchema {
  return { type: "string", "x-kubernetes-validations": [{ rule: DURATION_AT_LEAST_1MS }] };
}

/** A protobuf `map<string, V>`. */
export function mapOf(values: OpenApiSchema, opts: { readonly maxProperties?: number } = {}): OpenApiSchema {
  const schema: OpenApiSchema = { type: "object", additionalProperties: values };
  return opts.maxProperties === undefined ? schema : { ...schema, maxProperties: opts.maxProperties };
}

/** A `repeated` field. */
export function arrOf(items: OpenApiSchema, opts: { readonly maxItems?: number } = {}): OpenApiSchema {
  const schema: OpenApiSchema = { type: "array", items };
  return opts.maxItems === undefined ? schema : { ...schema, maxItems: opts.maxItems };
}

/**
 * A protobuf `oneof`: at most one of `fields` may be set, none is fine. Encoded as
 * `oneOf: [{not: {anyOf: [{required: [a]}, ...]}}, {required: [a]}, ...]`, the shape model/traffic/openapi/branches.ts
 * recognises and reports as "cannot be set together".
 */
export function atMostOneOf(fields: readonly string[]): OpenApiSchema {
  const each = fields.map((field): OpenApiSchema => ({ required: [field] }));
  return { oneOf: [{ not: { anyOf: each } }, ...each] };
}

interface ObjOptions {
  /** Fields that must be present. */
  readonly required?: readonly string[];
  /** `atMostOneOf` groups: one is put on the object itself, several go into an `allOf`. */
  readonly oneofs?: readonly OpenApiSchema[];
}

/** A message: its fields, in the order unknown-key messages should list them. */
export function obj(properties: Readonly<Record<string, OpenApiSchema>>, opts: ObjOptions = {}): OpenApiSchema {
  const oneofs = opts.oneofs ?? [];
  return {
    type: "object",
    properties,
    ...(opts.required === undefined ? {} : { required: [...opts.required] }),
    ...(oneofs.length === 1 ? oneofs[0] : {}),
    ...(oneofs.length > 1 ? { allOf: [...oneofs] } : {}),
  };
}
