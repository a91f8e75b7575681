/**
 * Loading a schema from JSON: narrowing `unknown` to `OpenApiSchema` without casts, one reader per supported keyword.
 */
import { isPlainObject, show } from "../../config/problems";
import type { CelValidation, OpenApiSchema, OpenApiType } from "./types";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const TYPES: readonly string[] = ["object", "array", "string", "integer", "number", "boolean"];

function isOpenApiType(value: unknown): value is OpenApiType {
  return typeof value === "string" && TYPES.includes(value);
}

function schemaError(where: string, message: string): Error {
  return new Error(`Invalid OpenAPI schema at ${where || "<root>"}: ${message}`);
}

function num(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw schemaError(where, `expected a number, got ${show(value)}`);
  return value;
}

function bool(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw schemaError(where, `expected a boolean, got ${show(value)}`);
  return value;
}

function str(value: unknown, where: string): string {
  if (typeof value !== "string") throw schemaError(where, `expected a string, got ${show(value)}`);
  return value;
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw schemaError(where, `expected a list of strings, got ${show(value)}`);
  return value.map((v, i) => str(v, `${where}[${i}]`));
}

function schemaList(value: unknown, where: string): OpenApiSchema[] {
  if (!Array.isArray(value)) throw schemaError(where, `expected a list of schemas, got ${show(value)}`);
  return value.map((v, i) => parseOpenApiSchema(v, `${where}[${i}]`));
}

function celList(value: unknown, where: string): CelValidation[] {
  if (!Array.isArray(value)) throw schemaError(where, `expected a list of CEL rules, got ${show(value)}`);
  return value.map((v, i) => {
    const at = `${where}[${i}]`;
    if (!isPlainObject(v)) throw schemaError(at, "expected a mapping");
    const rule: Mutable<CelValidation> = { rule: str(v.rule, `${at}.rule`) };
    if (v.message !== undefined) rule.message = str(v.message, `${at}.message`);
    if (v.messageExpression !== undefined) rule.messageExpression = str(v.messageExpression, `${at}.messageExpression`);
    if (v.reason !== undefined) rule.reason = str(v.reason, `${at}.reason`);
    if (v.fieldPath !== undefined) rule.fieldPath = str(v.fieldPath, `${at}.fieldPath`);
    if (v.optionalOldSelf !== undefined) rule.optionalOldSelf = bool(v.optionalOldSelf, `${at}.optionalOldSelf`);
    return rule;
  });
}

function properties(value: unknown, where: string): Record<string, OpenApiSchema> {
  if (!isPlainObject(value)) throw schemaError(where, "expected a mapping of property schemas");
  const props: Record<string, OpenApiSchema> = {};
  for (const [name, sub] of Object.entries(value)) props[name] = parseOpenApiSchema(sub, `${where}.${name}`);
  return props;
}

/** Every keyword of `OpenApiSchema`, writable and present: the shape the reader table is checked against. */
type Keywords = Required<Mutable<OpenApiSchema>>;

// The mapped type makes the compiler insist on a reader, of the right result type, for every keyword of
// `OpenApiSchema`, so the interface and this table cannot drift apart.
const KEYWORDS: { readonly [K in keyof Keywords]: (value: unknown, where: string) => Keywords[K] } = {
  type: (value, where) => {
    if (!isOpenApiType(value)) throw schemaError(where, `unsupported type ${show(value)}`);
    return value;
  },
  description: str,
  title: str,
  default: (value) => value,
  example: (value) => value,
  properties,
  additionalProperties: (value, where) => (typeof value === "boolean" ? value : parseOpenApiSchema(value, where)),
  items: (value, where) => parseOpenApiSchema(value, where),
  required: strings,
  enum: (value, where) => {
    if (!Array.isArray(value)) throw schemaError(where, "expected a list");
    return [...value];
  },
  minimum: num,
  maximum: num,
  exclusiveMinimum: bool,
  exclusiveMaximum: bool,
  minItems: num,
  maxItems: num,
  minLength: num,
  maxLength: num,
  minProperties: num,
  maxProperties: num,
  pattern: str,
  format: str,
  nullable: bool,
  oneOf: schemaList,
  anyOf: schemaList,
  allOf: schemaList,
  not: (value, where) => parseOpenApiSchema(value, where),
  "x-kubernetes-int-or-string": bool,
  "x-kubernetes-preserve-unknown-fields": bool,
  "x-kubernetes-embedded-resource": bool,
  "x-kubernetes-validations": celList,
};

function isKeyword(key: string): key is keyof Keywords {
  return Object.prototype.hasOwnProperty.call(KEYWORDS, key);
}

function readKeyword<K extends keyof Keywords>(out: Partial<Keywords>, key: K, value: unknown, where: string): void {
  out[key] = KEYWORDS[key](value, where);
}

/**
 * Narrows parsed JSON to an `OpenApiSchema`. Throws on keywords this validator does not implement, so that a
 * regenerated CRD schema that starts using a new keyword fails loudly (in the tests) instead of being half-checked.
 */
export function parseOpenApiSchema(node: unknown, where = ""): OpenApiSchema {
  if (!isPlainObject(node)) throw schemaError(where, `expected a schema mapping, got ${show(node)}`);
  const out: Partial<Keywords> = {};
  for (const [key, value] of Object.entries(node)) {
    const at = where ? `${where}.${key}` : key;
    if (!isKeyword(key)) {
      throw schemaError(at, `keyword "${key}" is not supported by model/traffic/openapi/parse.ts; add it there before using this schema`);
    }
    readKeyword(out, key, value, at);
  }
  return out;
}
