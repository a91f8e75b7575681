/**
 * The validator walk: descends a value alongside its schema, collecting every problem (nothing is thrown), and
 * applies the combinators (allOf/oneOf/anyOf/not), which need the walk itself to test a branch.
 */
import { isPlainObject, show } from "../../config/problems";
import { knownProperties, propertySchema, protobufOneof, requiredOnlyFields } from "./branches";
import { checkEnum, checkNumber, checkString, typeMatches } from "./keywords";
import { child, expected, quoteList, suggest, typeHint, typeName } from "./messages";
import type { OpenApiSchema, ReportProblem, SchemaProblem } from "./types";

function present(value: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key) && value[key] !== undefined;
}

/** Where the walk records problems, and whether it is inside a combinator branch (no unknown-key check there). */
interface Walk {
  readonly out: SchemaProblem[];
  readonly inBranch: boolean;
  readonly error: ReportProblem;
}

function startWalk(out: SchemaProblem[], inBranch: boolean): Walk {
  const error: ReportProblem = (at, message) => {
    out.push({ path: at, message });
  };
  return { out, inBranch, error };
}

/** Whether `value` satisfies `branch` (a oneOf/anyOf/not branch: value constraints only, no unknown-key check). */
function matches(value: unknown, branch: OpenApiSchema, path: string): boolean {
  const scratch: SchemaProblem[] = [];
  check(value, branch, path, startWalk(scratch, true));
  return scratch.length === 0;
}

function check(value: unknown, schema: OpenApiSchema, path: string, walk: Walk): void {
  const { error } = walk;

  if (value === undefined) return;

  if (value === null) {
    if (schema.nullable === true) return;
    const typed = schema.type !== undefined || schema["x-kubernetes-int-or-string"] === true;
    if (typed) {
      error(path, `must be ${expected(schema)}, got an empty value (null). Give it a value or remove the key.`);
      return;
    }
  } else if (!typeMatches(value, schema)) {
    const shown = typeof value === "number" && !Number.isFinite(value) ? String(value) : show(value);
    error(path, `must be ${expected(schema)}, got ${typeName(value)}: ${shown}${typeHint(value, schema)}.`);
    return;
  }

  checkEnum(value, schema, path, error);

  if (typeof value === "string") checkString(value, schema, path, error);
  if (typeof value === "number") checkNumber(value, schema, path, error);
  if (Array.isArray(value)) checkArray(value, schema, path, walk);
  if (isPlainObject(value)) checkObject(value, schema, path, walk);

  for (const branch of schema.allOf ?? []) check(value, branch, path, startWalk(walk.out, true));
  if (schema.oneOf !== undefined) checkOneOf(value, schema.oneOf, path, error);
  if (schema.anyOf !== undefined) checkAnyOf(value, schema.anyOf, path, error);
  if (schema.not !== undefined && matches(value, schema.not, path)) {
    error(path, `${show(value)} matches a form that is explicitly not allowed here.`);
  }
}

function checkArray(value: unknown[], schema: OpenApiSchema, path: string, walk: Walk): void {
  const { error } = walk;
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    error(path, `has ${value.length} entries; at most ${schema.maxItems} are allowed.`);
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    error(path, `has ${value.length} entr${value.length === 1 ? "y" : "ies"}; at least ${schema.minItems} are required.`);
  }
  const items = schema.items;
  if (items !== undefined) value.forEach((item, i) => check(item, items, child(path, i), walk));
}

function checkObject(value: Record<string, unknown>, schema: OpenApiSchema, path: string, walk: Walk): void {
  const { error, inBranch } = walk;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const additional = schema.additionalProperties;
  // Only a node that says what it is (a type, or properties) can call a key unknown; a bare branch such as
  // `{required: [simple]}` constrains the value without listing every key.
  const describesKeys = schema.type === "object" || schema.properties !== undefined;
  const known = knownProperties(schema);
  const keys = Object.keys(value);
  for (const key of keys) {
    const sub = propertySchema(schema, key);
    const at = child(path, key);
    if (sub !== undefined) {
      check(value[key], sub, at, walk);
    } else if (typeof additional === "object") {
      check(value[key], additional, at, walk);
    } else if (additional === true || preserve || inBranch || !describesKeys) {
      continue;
    } else if (known.length === 0) {
      error(at, `unknown key "${key}": this mapping takes no keys.`);
    } else {
      error(at, `unknown key "${key}".${suggest(key, known)} Allowed keys here: ${known.join(", ")}.`);
    }
  }
  for (const key of schema.required ?? []) {
    if (!present(value, key)) error(child(path, key), `is required but missing.`);
  }
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
    error(path, `has ${keys.length} keys; at most ${schema.maxProperties} are allowed.`);
  }
  if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
    error(path, `has ${keys.length} key${keys.length === 1 ? "" : "s"}; at least ${schema.minProperties} are required.`);
  }
}

function checkOneOf(value: unknown, branches: readonly OpenApiSchema[], path: string, error: ReportProblem): void {
  const oneof = protobufOneof(branches);
  if (oneof !== undefined) {
    if (!isPlainObject(value)) return; // `required` only constrains mappings
    const set = oneof.fields.filter((f) => present(value, f));
    if (set.length > 1) {
      error(
        path,
        `${quoteList(set)} cannot be set together: they are alternatives, set at most one of ${oneof.fields.join(", ")}.`,
      );
    } else if (set.length === 0 && !oneof.noneAllowed) {
      error(path, `must set exactly one of ${oneof.fields.join(", ")}.`);
    }
    return;
  }
  const matching = branches.filter((b) => matches(value, b, path)).length;
  if (matching === 0) error(path, `${show(value)} does not match any of the ${branches.length} allowed forms.`);
  if (matching > 1) error(path, `${show(value)} is ambiguous: it matches ${matching} of the allowed forms, but must match exactly one.`);
}

function checkAnyOf(value: unknown, branches: readonly OpenApiSchema[], path: string, error: ReportProblem): void {
  if (branches.some((b) => matches(value, b, path))) return;
  const fields = requiredOnlyFields(branches);
  if (fields !== undefined) {
    if (isPlainObject(value)) error(path, `must set at least one of ${fields.join(", ")}.`);
    return;
  }
  error(path, `${show(value)} does not match any of the ${branches.length} allowed forms.`);
}

/**
 * Every problem with `value` against `schema`, with paths extending `path` (give "" for none). Unknown keys are
 * errors; nothing is thrown for bad input.
 */
export function validateAgainstSchema(value: unknown, schema: OpenApiSchema, path: string): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  check(value, schema, path, startWalk(out, false));
  return out;
}
