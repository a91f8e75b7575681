/**
 * Checks of the keywords that constrain a single value: type, enum, string length/pattern/duration rules, and
 * numeric ranges (including the ranges implied by integer formats).
 */
import { isPlainObject, show } from "../../config/problems";
import { compare, durationRules, parseDuration } from "./duration";
import { suggest } from "./messages";
import type { OpenApiSchema, ReportProblem } from "./types";

/** Whether `value` has the JSON type the schema asks for (anything matches a node without a type). */
export function typeMatches(value: unknown, schema: OpenApiSchema): boolean {
  if (schema["x-kubernetes-int-or-string"]) {
    return typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
  }
  switch (schema.type) {
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}

/** Reports a value that is not one of the schema's `enum` values. */
export function checkEnum(value: unknown, schema: OpenApiSchema, path: string, error: ReportProblem): void {
  if (schema.enum !== undefined && !schema.enum.some((allowed) => allowed === value)) {
    const candidates = schema.enum.filter((v): v is string => typeof v === "string");
    const hint = typeof value === "string" ? suggest(value, candidates) : "";
    error(path, `${show(value)} is not allowed.${hint} Use one of: ${schema.enum.map((v) => show(v)).join(", ")}.`);
  }
}

/** Length, pattern and recognised CEL duration rules of a string. */
export function checkString(value: string, schema: OpenApiSchema, path: string, error: ReportProblem): void {
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    error(path, `${show(value)} is ${length} characters long; at most ${schema.maxLength} are allowed.`);
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    error(path, `${show(value)} is ${length} characters long; at least ${schema.minLength} are required.`);
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
    error(path, `${show(value)} does not match the required pattern /${schema.pattern}/.`);
  }
  for (const rule of durationRules(schema)) {
    const nanos = parseDuration(value);
    if (nanos === undefined) {
      const bare = /^\d+(\.\d+)?$/.test(value.trim()) ? ` Did you mean "${value.trim()}s"?` : "";
      error(
        path,
        `${show(value)} is not a valid duration.${bare} Write a number followed by a unit (h, m, s, ms, us, ns), e.g. "10s", "1m30s" or "500ms".`,
      );
      return;
    }
    if (!compare(rule.op, nanos, rule.limitNanos)) {
      const need = { ">=": "at least", ">": "longer than", "<=": "at most", "<": "shorter than" }[rule.op];
      error(path, `${show(value)} is too ${rule.op.startsWith(">") ? "short" : "long"}: the duration must be ${need} ${rule.limit}.`);
    }
  }
}

const FORMAT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-(2 ** 63), 2 ** 63 - 1],
  uint64: [0, 2 ** 64 - 1],
};

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

function numericBounds(schema: OpenApiSchema): { min?: Bound; max?: Bound } {
  let min: Bound | undefined;
  let max: Bound | undefined;
  const range = schema.format !== undefined ? FORMAT_RANGES[schema.format] : undefined;
  if (range !== undefined && schema.type === "integer") {
    min = { value: range[0], exclusive: false };
    max = { value: range[1], exclusive: false };
  }
  if (schema.minimum !== undefined) {
    const b = { value: schema.minimum, exclusive: schema.exclusiveMinimum === true };
    if (min === undefined || b.value > min.value || (b.value === min.value && b.exclusive)) min = b;
  }
  if (schema.maximum !== undefined) {
    const b = { value: schema.maximum, exclusive: schema.exclusiveMaximum === true };
    if (max === undefined || b.value < max.value || (b.value === max.value && b.exclusive)) max = b;
  }
  return { min, max };
}

function describeRange(schema: OpenApiSchema, min: Bound | undefined, max: Bound | undefined): string {
  const what = schema.type === "integer" ? "a whole number" : "a number";
  if (min && max && !min.exclusive && !max.exclusive) return `${what} from ${min.value} to ${max.value}`;
  const parts: string[] = [];
  if (min) parts.push(`${min.exclusive ? "greater than" : "at least"} ${min.value}`);
  if (max) parts.push(`${max.exclusive ? "less than" : "at most"} ${max.value}`);
  return `${what} ${parts.join(" and ")}`;
}

/** minimum/maximum (exclusive or not) and the range of an integer `format`, whichever is tighter. */
export function checkNumber(value: number, schema: OpenApiSchema, path: string, error: ReportProblem): void {
  const { min, max } = numericBounds(schema);
  const tooLow = min !== undefined && (min.exclusive ? value <= min.value : value < min.value);
  const tooHigh = max !== undefined && (max.exclusive ? value >= max.value : value > max.value);
  if (tooLow || tooHigh) {
    const format = schema.format !== undefined && FORMAT_RANGES[schema.format] ? ` (${schema.format})` : "";
    error(path, `must be ${describeRange(schema, min, max)}${format}, got ${value}.`);
  }
}
