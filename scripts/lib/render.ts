/**
 * Human output: the check list, a table per split with bars, the diagnosis side by side, and a progress bar
 * on stderr. Pure string building, except {@link Progress}, which writes to the injected Io.
 */
import type { CheckResult, Diagnosis, LocalityEntry, SplitResult, VerifyReport } from "../../model/verify/verifyReport";
import type { Io } from "./client";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const DETAILS_SHOWN = 4;

/**
 * A bar of `width` cells: the observed share filled, the predicted share marked with `|` (or `┃` inside the
 * filled part), so a missing share shows as a marker with nothing under it.
 */
export function bar(observed: number, predicted: number, width = 24): string {
  const cells: string[] = Array.from({ length: width }, (_, i) => (i < Math.round(observed * width) ? "█" : "·"));
  if (predicted > 0) {
    const at = Math.min(width - 1, Math.max(0, Math.round(predicted * width) - 1));
    cells[at] = cells[at] === "█" ? "┃" : "|";
  }
  return cells.join("");
}

/** Pads columns to their widest cell. */
export function table(rows: string[][], indent = "  "): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()).join("\n");
}

/** One check: a mark, its title, then its problems (and details when `verbose`). */
export function renderCheck(c: CheckResult, verbose = false): string {
  const mark = c.skipped ? "–" : c.ok ? "✓" : "✗";
  const lines = [`${mark} ${c.title}${c.skipped ? ` (skipped: ${c.skipped})` : ""}`];
  for (const p of c.problems) lines.push(`    ✗ ${p}`);
  // Facts that hold are evidence, not news: a few by default, all with --verbose.
  const shown = verbose ? c.details : c.details.slice(0, DETAILS_SHOWN);
  for (const d of shown) lines.push(`    · ${d}`);
  if (shown.length < c.details.length) lines.push(`    · … ${c.details.length - shown.length} more (--verbose lists them)`);
  return lines.join("\n");
}

/** The table of one split, with its verdict, counters and warnings. */
export function renderSplit(s: SplitResult): string {
  const head = `${s.ok ? "✓" : "✗"} ${s.service} from ${s.client} @ ${s.clientLocality} (cluster ${s.cluster}${s.pod ? `, pod ${s.pod}` : ""}), ${s.requests} requests`;
  if (s.error) return `${head}\n    ✗ ${s.error}`;
  const rows = [["locality", "predicted", "observed", "count", "accepted", "verdict", "observed █ / predicted |"]];
  for (const r of s.verdict?.rows ?? []) {
    rows.push([r.locality, pct(r.predicted), pct(r.share), String(r.observed), `[${pct(r.low)}, ${pct(r.high)}]`, r.ok ? "ok" : "FAIL", bar(r.share, r.predicted)]);
  }
  const lines = [head, table(rows, "    ")];
  if (s.verdict) lines.push(`    test: ${s.verdict.test}`);
  const counters = s.counters.map((c) => (c.delta === undefined ? `${c.counter} n/a` : `${c.counter} +${c.delta}`));
  if (counters.length > 0) lines.push(`    envoy counters during the run: ${counters.join(", ")}`);
  for (const [why, n] of Object.entries(s.failures)) lines.push(`    failed: ${n} × ${why}`);
  for (const w of s.warnings) lines.push(`    ! ${w}`);
  if (s.diagnosis) lines.push(renderDiagnosis(s.diagnosis));
  return lines.join("\n");
}

const entry = (e?: LocalityEntry) => (e ? `p${e.priority} w=${e.weight ?? "-"} ${e.healthy}/${e.endpoints} healthy` : "—");

/** The sidecar's endpoints next to the model's, then the likely causes. */
export function renderDiagnosis(d: Diagnosis): string {
  const lines = [`    diagnosis (client sidecar locality: ${d.sidecarLocality === undefined ? "unknown" : d.sidecarLocality || "NONE"})`];
  if (d.rows.length > 0) {
    const rows = [["locality", "model (istiod should program)", "sidecar (Envoy has)", ""]];
    for (const r of d.rows) rows.push([r.locality, entry(r.model), entry(r.sidecar), r.match ? "" : "≠"]);
    lines.push(table(rows, "      "));
  }
  for (const c of d.causes) lines.push(`      → ${c}`);
  return lines.join("\n");
}

/** The whole report as people read it. */
export function renderReport(r: VerifyReport, verbose = false): string {
  const parts = [`kindmesh ${r.command} — stack ${r.stack}`, ""];
  if (r.checks.length > 0) parts.push(...r.checks.map((c) => renderCheck(c, verbose)), "");
  parts.push(...r.splits.map(renderSplit));
  for (const n of r.notes ?? []) parts.push(`  note: ${n}`);
  if (r.drill) {
    const d = r.drill;
    parts.push("", `drill: took ${d.locality} away (${d.scaled.map((s) => `${s.cluster}/${s.namespace}/${s.deployment} from ${s.replicas}`).join(", ")}); restored: ${d.restored ? "yes" : "NO"}`);
    for (const p of d.restoreProblems) parts.push(`    ✗ ${p}`);
  }
  parts.push("", r.verdict);
  return `${parts.join("\n")}\n`;
}

/** A progress bar on stderr; silent unless stderr is a terminal (logs stay clean). */
export class Progress {
  private active = false;

  constructor(private readonly io: Io) {}

  update(label: string, done: number, total: number): void {
    if (!this.io.stderrIsTTY) return;
    const width = 30;
    const filled = Math.round((done / Math.max(1, total)) * width);
    this.io.err(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`);
    this.active = true;
  }

  done(): void {
    if (this.active) this.io.err("\n");
    this.active = false;
  }
}
