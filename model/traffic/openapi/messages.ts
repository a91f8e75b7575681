/** Wording of the validator's problems: paths, value and type descriptions, hints and did-you-mean suggestions. */
import { childPath, didYouMean } from "../../config/problems";
import { durationRules } from "./duration";
import type { OpenApiSchema } from "./types";

function normalize(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * `didYouMean`, falling back to a unique candidate that is a prefix of the value or the other way round
 * (`LEAST_CONNECTION` -> `LEAST_CONN`, `consecutive5xx` -> `consecutive5xxErrors`), which edit distance misses.
 */
export function suggest(value: string, candidates: readonly string[]): string {
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
export function child(path: string, key: string | number): string {
  const joined = childPath(path, key);
  return path === "" && joined.startsWith(".") ? joined.slice(1) : joined;
}

/** What kind of value the user wrote, for "got ..." messages. */
export function typeName(value: unknown): string {
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
export function expected(schema: OpenApiSchema): string {
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

/** A hint for the common YAML mistakes: a quoted number or boolean, a bare number where a duration belongs. */
export function typeHint(value: unknown, schema: OpenApiSchema): string {
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

/** `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
export function quoteList(names: readonly string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length <= 1 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}
