/**
 * A small, strict validator for the OpenAPI v3 subset that Kubernetes CRD ("structural") schemas use, so that
 * Istio config written in the stack YAML can be checked against Istio's own published CRD schema before anything
 * is deployed.
 *
 * It differs from the Kubernetes API server on purpose:
 *   - UNKNOWN KEYS ARE ERRORS. Kubernetes silently prunes them, so `outlierDetecton:` would simply vanish.
 *   - `null` is an error unless the schema says `nullable: true` (Kubernetes prunes it; here it is almost always
 *     an empty YAML value the user forgot to fill in).
 *   - `x-kubernetes-validations` (CEL) rules are NOT evaluated, with one exception: the duration rule that Istio
 *     puts on every duration field, `duration(self) >= duration('1ms')` (and the same shape with `>`, `<=`, `<`),
 *     is recognised and checked with Go's `time.ParseDuration` syntax, because that is what makes an interval
 *     string "valid" in these schemas. Every other CEL rule is ignored (see model/schemas/README.md for the list).
 *
 * Every problem is `{ path, message }` with `path` extending the caller's prefix, e.g.
 * `traffic.policies[0].trafficPolicy.outlierDetection.consecutive5xxErrors` or `...to["us/west/zone3/*"]`.
 */
import { childPath, didYouMean, isPlainObject, show } from "./problems";
import destinationRuleSpecJson from "./schemas/destinationrule-v1-spec.json";

export interface SchemaProblem {
  path: string;
  message: string;
}

export type OpenApiType = "object" | "array" | "string" | "integer" | "number" | "boolean";

export interface CelValidation {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly reason?: string;
  readonly fieldPath?: string;
  readonly optionalOldSelf?: boolean;
}

/** The OpenAPI v3 (Kubernetes structural schema) subset this module understands. */
export interface OpenApiSchema {
  readonly type?: OpenApiType;
  readonly description?: string;
  readonly title?: string;
  readonly default?: unknown;
  readonly example?: unknown;
  readonly properties?: Readonly<Record<string, OpenApiSchema>>;
  /** A schema turns the object into a map whose values all match it; `true` allows any extra key. */
  readonly additionalProperties?: OpenApiSchema | boolean;
  readonly items?: OpenApiSchema;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly exclusiveMaximum?: boolean;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly pattern?: string;
  /** Integer formats int32/uint32/int64/uint64 are range-checked; other formats are ignored. */
  readonly format?: string;
  readonly nullable?: boolean;
  readonly oneOf?: readonly OpenApiSchema[];
  readonly anyOf?: readonly OpenApiSchema[];
  readonly allOf?: readonly OpenApiSchema[];
  readonly not?: OpenApiSchema;
  readonly "x-kubernetes-int-or-string"?: boolean;
  readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
  readonly "x-kubernetes-embedded-resource"?: boolean;
  readonly "x-kubernetes-validations"?: readonly CelValidation[];
}

// ---------------------------------------------------------------------------------------------------------------
// Loading a schema from JSON (narrowing `unknown` to OpenApiSchema without casts).
// ---------------------------------------------------------------------------------------------------------------

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
    const rule: { -readonly [K in keyof CelValidation]: CelValidation[K] } = { rule: str(v.rule, `${at}.rule`) };
    if (v.message !== undefined) rule.message = str(v.message, `${at}.message`);
    if (v.messageExpression !== undefined) rule.messageExpression = str(v.messageExpression, `${at}.messageExpression`);
    if (v.reason !== undefined) rule.reason = str(v.reason, `${at}.reason`);
    if (v.fieldPath !== undefined) rule.fieldPath = str(v.fieldPath, `${at}.fieldPath`);
    if (v.optionalOldSelf !== undefined) rule.optionalOldSelf = bool(v.optionalOldSelf, `${at}.optionalOldSelf`);
    return rule;
  });
}

/**
 * Narrows parsed JSON to an `OpenApiSchema`. Throws on keywords this validator does not implement, so that a
 * regenerated CRD schema that starts using a new keyword fails loudly (in the tests) instead of being half-checked.
 */
export function parseOpenApiSchema(node: unknown, where = ""): OpenApiSchema {
  if (!isPlainObject(node)) throw schemaError(where, `expected a schema mapping, got ${show(node)}`);
  const out: { -readonly [K in keyof OpenApiSchema]: OpenApiSchema[K] } = {};
  for (const [key, value] of Object.entries(node)) {
    const at = where ? `${where}.${key}` : key;
    switch (key) {
      case "type":
        if (!isOpenApiType(value)) throw schemaError(at, `unsupported type ${show(value)}`);
        out.type = value;
        break;
      case "description":
        out.description = str(value, at);
        break;
      case "title":
        out.title = str(value, at);
        break;
      case "default":
        out.default = value;
        break;
      case "example":
        out.example = value;
        break;
      case "properties": {
        if (!isPlainObject(value)) throw schemaError(at, "expected a mapping of property schemas");
        const props: Record<string, OpenApiSchema> = {};
        for (const [name, sub] of Object.entries(value)) props[name] = parseOpenApiSchema(sub, `${at}.${name}`);
        out.properties = props;
        break;
      }
      case "additionalProperties":
        out.additionalProperties = typeof value === "boolean" ? value : parseOpenApiSchema(value, at);
        break;
      case "items":
        out.items = parseOpenApiSchema(value, at);
        break;
      case "required":
        out.required = strings(value, at);
        break;
      case "enum":
        if (!Array.isArray(value)) throw schemaError(at, "expected a list");
        out.enum = [...value];
        break;
      case "minimum":
        out.minimum = num(value, at);
        break;
      case "maximum":
        out.maximum = num(value, at);
        break;
      case "exclusiveMinimum":
        out.exclusiveMinimum = bool(value, at);
        break;
      case "exclusiveMaximum":
        out.exclusiveMaximum = bool(value, at);
        break;
      case "minItems":
        out.minItems = num(value, at);
        break;
      case "maxItems":
        out.maxItems = num(value, at);
        break;
      case "minLength":
        out.minLength = num(value, at);
        break;
      case "maxLength":
        out.maxLength = num(value, at);
        break;
      case "minProperties":
        out.minProperties = num(value, at);
        break;
      case "maxProperties":
        out.maxProperties = num(value, at);
        break;
      case "pattern":
        out.pattern = str(value, at);
        break;
      case "format":
        out.format = str(value, at);
        break;
      case "nullable":
        out.nullable = bool(value, at);
        break;
      case "oneOf":
        out.oneOf = schemaList(value, at);
        break;
      case "anyOf":
        out.anyOf = schemaList(value, at);
        break;
      case "allOf":
        out.allOf = schemaList(value, at);
        break;
      case "not":
        out.not = parseOpenApiSchema(value, at);
        break;
      case "x-kubernetes-int-or-string":
        out["x-kubernetes-int-or-string"] = bool(value, at);
        break;
      case "x-kubernetes-preserve-unknown-fields":
        out["x-kubernetes-preserve-unknown-fields"] = bool(value, at);
        break;
      case "x-kubernetes-embedded-resource":
        out["x-kubernetes-embedded-resource"] = bool(value, at);
        break;
      case "x-kubernetes-validations":
        out["x-kubernetes-validations"] = celList(value, at);
        break;
      default:
        throw schemaError(at, `keyword "${key}" is not supported by model/openapi.ts; add it there before using this schema`);
    }
  }
  return out;
}

/** `spec` of Istio's DestinationRule CRD (networking.istio.io/v1); see model/schemas/README.md. */
export const destinationRuleSpecSchema: OpenApiSchema = parseOpenApiSchema(destinationRuleSpecJson, "destinationrule-v1-spec");

const trafficPolicyNode = destinationRuleSpecSchema.properties?.trafficPolicy;
if (trafficPolicyNode === undefined) throw new Error("destinationrule-v1-spec.json has no properties.trafficPolicy");

/** `spec.trafficPolicy` of Istio's DestinationRule CRD. */
export const trafficPolicySchema: OpenApiSchema = trafficPolicyNode;

// ---------------------------------------------------------------------------------------------------------------
// Go durations (what CEL's duration() accepts): "300ms", "-1.5h", "2h45m", units ns, us/µs, ms, s, m, h.
// ---------------------------------------------------------------------------------------------------------------

const UNIT_NANOS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const DURATION_PART = /^(\d*)(?:\.(\d*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;
const MAX_DURATION_NANOS = 2 ** 63 - 1;

/** Nanoseconds of a Go duration string (`time.ParseDuration` syntax), or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  while (rest !== "") {
    const m = DURATION_PART.exec(rest);
    if (m === null) return undefined;
    const [whole, int, frac = "", unit] = m;
    if (int === "" && frac === "") return undefined;
    total += Number(`${int || "0"}.${frac || "0"}`) * UNIT_NANOS[unit];
    rest = rest.slice(whole.length);
  }
  if (total > MAX_DURATION_NANOS) return undefined;
  return sign * total;
}

const DURATION_RULE = /^\s*duration\(\s*self\s*\)\s*(>=|>|<=|<)\s*duration\(\s*(['"])([^'"]*)\2\s*\)\s*$/;

interface DurationRule {
  readonly op: ">=" | ">" | "<=" | "<";
  readonly limit: string;
  readonly limitNanos: number;
  readonly rule: CelValidation;
}

/** The recognised `duration(self) <op> duration('<literal>')` rules of a schema node (all other CEL is ignored). */
function durationRules(schema: OpenApiSchema): DurationRule[] {
  const found: DurationRule[] = [];
  for (const rule of schema["x-kubernetes-validations"] ?? []) {
    const m = DURATION_RULE.exec(rule.rule);
    if (m === null) continue;
    const op = m[1];
    const limitNanos = parseDuration(m[3]);
    if (limitNanos === undefined) continue;
    if (op === ">=" || op === ">" || op === "<=" || op === "<") found.push({ op, limit: m[3], limitNanos, rule });
  }
  return found;
}

function compare(op: DurationRule["op"], a: number, b: number): boolean {
  switch (op) {
    case ">=":
      return a >= b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    case "<":
      return a < b;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Validation.
// ---------------------------------------------------------------------------------------------------------------

function normalize(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * `didYouMean`, falling back to a unique candidate that is a prefix of the value or the other way round
 * (`LEAST_CONNECTION` -> `LEAST_CONN`, `consecutive5xx` -> `consecutive5xxErrors`), which edit distance misses.
 */
function suggest(value: string, candidates: readonly string[]): string {
  const typo = didYouMean(value, candidates);
  if (typo !== "") return typo;
  const v = normalize(value);
  const hits = candidates.filter((c) => {
    const n = normalize(c);
    return Math.min(n.length, v.length) >= 4 && n !== v && (n.startsWith(v) || v.startsWith(n));
  });
  return hits.length === 1 ? ` Did you mean "${hits[0]}"?` : "";
}

/** Like `childPath`, but an empty prefix gives `key` rather than `.key`. */
function child(path: string, key: string | number): string {
  const joined = childPath(path, key);
  return path === "" && joined.startsWith(".") ? joined.slice(1) : joined;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "a whole number" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}

/** What a value of this schema looks like, for "must be ..." messages. */
function expected(schema: OpenApiSchema): string {
  if (schema["x-kubernetes-int-or-string"]) return "a whole number or a string";
  switch (schema.type) {
    case "object":
      return schema.additionalProperties !== undefined && schema.properties === undefined
        ? "a mapping of keys to values"
        : "a mapping (YAML key: value pairs)";
    case "array":
      return "a list";
    case "string":
      return durationRules(schema).length > 0 ? 'a duration string such as "10s", "1m30s" or "500ms"' : "a string";
    case "integer":
      return "a whole number";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return "a value";
  }
}

function typeMatches(value: unknown, schema: OpenApiSchema): boolean {
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

/** A hint for the common YAML mistakes: a quoted number or boolean, a bare number where a duration belongs. */
function typeHint(value: unknown, schema: OpenApiSchema): string {
  if (typeof value === "string") {
    if ((schema.type === "integer" || schema.type === "number") && value.trim() !== "" && Number.isFinite(Number(value))) {
      return " (a quoted string; remove the quotes)";
    }
    if (schema.type === "boolean" && (value === "true" || value === "false")) return " (a quoted string; remove the quotes)";
    if (schema.type === "boolean" && /^(yes|no|on|off|y|n)$/i.test(value)) return " (YAML 1.2 reads this as a string; write true or false)";
  }
  if (typeof value === "number" && schema.type === "string" && durationRules(schema).length > 0) {
    return ` (durations need a unit; did you mean "${value}s"?)`;
  }
  if (typeof value === "number" && schema.type === "number" && !Number.isFinite(value)) return " (not a finite number)";
  return "";
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

/** Property names a mapping may have: its own `properties` plus those named in allOf/oneOf/anyOf branches. */
function knownProperties(schema: OpenApiSchema): string[] {
  const names = new Set(Object.keys(schema.properties ?? {}));
  for (const branch of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) {
    for (const name of Object.keys(branch.properties ?? {})) names.add(name);
  }
  return [...names];
}

/** The schema that applies to `key` of a mapping, looking into allOf/oneOf/anyOf branches too. */
function propertySchema(schema: OpenApiSchema, key: string): OpenApiSchema | undefined {
  const own = schema.properties?.[key];
  if (own !== undefined) return own;
  for (const branch of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) {
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
function protobufOneof(branches: readonly OpenApiSchema[]): { fields: string[]; noneAllowed: boolean } | undefined {
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
function requiredOnlyFields(branches: readonly OpenApiSchema[]): string[] | undefined {
  const names = branches.map(requiredOnlyField);
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}

function present(value: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key) && value[key] !== undefined;
}

/** `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
function quoteList(names: readonly string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length <= 1 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/** Whether `value` satisfies `branch` (a oneOf/anyOf/not branch: value constraints only, no unknown-key check). */
function matches(value: unknown, branch: OpenApiSchema, path: string): boolean {
  const scratch: SchemaProblem[] = [];
  check(value, branch, path, scratch, true);
  return scratch.length === 0;
}

function check(value: unknown, schema: OpenApiSchema, path: string, out: SchemaProblem[], inBranch: boolean): void {
  const error = (at: string, message: string): void => {
    out.push({ path: at, message });
  };

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

  if (schema.enum !== undefined && !schema.enum.some((allowed) => allowed === value)) {
    const candidates = schema.enum.filter((v): v is string => typeof v === "string");
    const hint = typeof value === "string" ? suggest(value, candidates) : "";
    error(path, `${show(value)} is not allowed.${hint} Use one of: ${schema.enum.map((v) => show(v)).join(", ")}.`);
  }

  if (typeof value === "string") checkString(value, schema, path, error);
  if (typeof value === "number") checkNumber(value, schema, path, error);
  if (Array.isArray(value)) checkArray(value, schema, path, out, inBranch, error);
  if (isPlainObject(value)) checkObject(value, schema, path, out, inBranch, error);

  for (const branch of schema.allOf ?? []) check(value, branch, path, out, true);
  if (schema.oneOf !== undefined) checkOneOf(value, schema.oneOf, path, error);
  if (schema.anyOf !== undefined) checkAnyOf(value, schema.anyOf, path, error);
  if (schema.not !== undefined && matches(value, schema.not, path)) {
    error(path, `${show(value)} matches a form that is explicitly not allowed here.`);
  }
}

function checkString(value: string, schema: OpenApiSchema, path: string, error: (at: string, m: string) => void): void {
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

function checkNumber(value: number, schema: OpenApiSchema, path: string, error: (at: string, m: string) => void): void {
  const { min, max } = numericBounds(schema);
  const tooLow = min !== undefined && (min.exclusive ? value <= min.value : value < min.value);
  const tooHigh = max !== undefined && (max.exclusive ? value >= max.value : value > max.value);
  if (tooLow || tooHigh) {
    const format = schema.format !== undefined && FORMAT_RANGES[schema.format] ? ` (${schema.format})` : "";
    error(path, `must be ${describeRange(schema, min, max)}${format}, got ${value}.`);
  }
}

function checkArray(
  value: unknown[],
  schema: OpenApiSchema,
  path: string,
  out: SchemaProblem[],
  inBranch: boolean,
  error: (at: string, m: string) => void,
): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    error(path, `has ${value.length} entries; at most ${schema.maxItems} are allowed.`);
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    error(path, `has ${value.length} entr${value.length === 1 ? "y" : "ies"}; at least ${schema.minItems} are required.`);
  }
  const items = schema.items;
  if (items !== undefined) value.forEach((item, i) => check(item, items, child(path, i), out, inBranch));
}

function checkObject(
  value: Record<string, unknown>,
  schema: OpenApiSchema,
  path: string,
  out: SchemaProblem[],
  inBranch: boolean,
  error: (at: string, m: string) => void,
): void {
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
      check(value[key], sub, at, out, inBranch);
    } else if (typeof additional === "object") {
      check(value[key], additional, at, out, inBranch);
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

function checkOneOf(value: unknown, branches: readonly OpenApiSchema[], path: string, error: (at: string, m: string) => void): void {
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

function checkAnyOf(value: unknown, branches: readonly OpenApiSchema[], path: string, error: (at: string, m: string) => void): void {
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
  check(value, schema, path, out, false);
  return out;
}
