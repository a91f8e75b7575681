/**
 * Go durations (what CEL's duration() accepts): "300ms", "-1.5h", "2h45m", units ns, us/µs, ms, s, m, h; and the
 * one CEL rule shape that is checked, `duration(self) <op> duration('<literal>')`.
 */
import type { CelValidation, OpenApiSchema } from "./types";

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

/** One recognised `duration(self) <op> duration('<limit>')` rule. */
export interface DurationRule {
  readonly op: ">=" | ">" | "<=" | "<";
  readonly limit: string;
  readonly limitNanos: number;
  readonly rule: CelValidation;
}

/** The recognised `duration(self) <op> duration('<literal>')` rules of a schema node (all other CEL is ignored). */
export function durationRules(schema: OpenApiSchema): DurationRule[] {
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

/** Whether `a <op> b` holds, for a rule's comparison operator. */
export function compare(op: DurationRule["op"], a: number, b: number): boolean {
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
