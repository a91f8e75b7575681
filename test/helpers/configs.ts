/**
 * Fixture builders for parseConfig: a shipped stack's raw config, deep-copied so each test can break one
 * thing, plus the assertions every rejection test makes.
 */
import { expect } from "vitest";
import { ConfigError, parseConfig, type MeshSpec } from "../../model/config/spec";
import { rawConfig } from "./stacks";

export type Raw = { topology?: any; traffic?: any; versions?: any; rootCa?: any; unknownKeys?: string[] };

/** A mutable copy of a shipped stack's configuration. */
export function stackRaw(stack: string): Raw {
  return structuredClone(rawConfig(stack)) as Raw;
}

/** The problems parseConfig reports for this config (fails the test if it does not throw). */
export function problemsOf(raw: Raw, stack = "test"): { path: string; message: string }[] {
  try {
    parseConfig(raw, { stack });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected parseConfig to reject the configuration");
}

/** The one problem at this path, with its message matching every pattern. */
export function expectProblem(raw: Raw, path: string, ...patterns: RegExp[]): void {
  const problems = problemsOf(raw);
  const atPath = problems.filter((p) => p.path === path);
  expect(atPath, `problems were: ${JSON.stringify(problems, null, 1)}`).toHaveLength(1);
  for (const pattern of patterns) expect(atPath[0].message).toMatch(pattern);
}

export function parse(raw: Raw, stack = "test"): MeshSpec {
  return parseConfig(raw, { stack });
}
