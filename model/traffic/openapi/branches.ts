/**
 * Reading allOf/oneOf/anyOf branches: which keys a mapping may have across them, and recognising the
 * `{required: [x]}` encodings protobuf-generated CRD schemas use for "at most one of" and "at least one of".
 */
import type { OpenApiSchema } from "./types";

function branchesOf(schema: OpenApiSchema): OpenApiSchema[] {
  return [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
}

/** Property names a mapping may have: its own `properties` plus those named in allOf/oneOf/anyOf branches. */
export function knownProperties(schema: OpenApiSchema): string[] {
  const names = new Set(Object.keys(schema.properties ?? {}));
  for (const branch of branchesOf(schema)) {
    for (const name of Object.keys(branch.properties ?? {})) names.add(name);
  }
  return [...names];
}

/** The schema that applies to `key` of a mapping, looking into allOf/oneOf/anyOf branches too. */
export function propertySchema(schema: OpenApiSchema, key: string): OpenApiSchema | undefined {
  const own = schema.properties?.[key];
  if (own !== undefined) return own;
  for (const branch of branchesOf(schema)) {
    const sub = branch.properties?.[key];
    if (sub !== undefined) return sub;
  }
  return undefined;
}

/** `{required: [x]}` (and nothing else that constrains): the field name x. */
function requiredOnlyField(schema: OpenApiSchema): string | undefined {
  const keys = Object.keys(schema).filter((k) => k !== "description");
  if (keys.length !== 1 || schema.required === undefined || schema.required.length !== 1) return undefined;
  return schema.required[0];
}

/**
 * Istio/protobuf `oneof` encoding: `oneOf: [{not: {anyOf: [{required: [a]}, {required: [b]}]}}, {required: [a]},
 * {required: [b]}]`, i.e. at most one of a, b (none is fine thanks to the `not` branch). Without the `not` branch it
 * means exactly one. Returns the field names and whether "none" is allowed, or undefined for any other oneOf.
 */
export function protobufOneof(branches: readonly OpenApiSchema[]): { fields: string[]; noneAllowed: boolean } | undefined {
  const fields: string[] = [];
  let noneFields: string[] | undefined;
  for (const branch of branches) {
    const field = requiredOnlyField(branch);
    if (field !== undefined) {
      fields.push(field);
      continue;
    }
    const keys = Object.keys(branch).filter((k) => k !== "description");
    const inner = branch.not?.anyOf;
    if (keys.length !== 1 || inner === undefined || noneFields !== undefined) return undefined;
    const names = inner.map(requiredOnlyField);
    if (names.some((n) => n === undefined)) return undefined;
    noneFields = names.filter((n): n is string => n !== undefined);
  }
  if (fields.length === 0) return undefined;
  if (noneFields !== undefined && (noneFields.length !== fields.length || noneFields.some((n) => !fields.includes(n)))) {
    return undefined;
  }
  return { fields, noneAllowed: noneFields !== undefined };
}

/** `{required: [x]}` branches of an anyOf: at least one of the fields. */
export function requiredOnlyFields(branches: readonly OpenApiSchema[]): string[] | undefined {
  const names = branches.map(requiredOnlyField);
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}
