/**
 * The OpenAPI v3 (Kubernetes structural schema) subset that model/traffic/openapi.ts understands, and the problem shape its
 * validator reports.
 */

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

/** Records one problem at a path; the validator's keyword checks report through this. */
export type ReportProblem = (at: string, message: string) => void;
