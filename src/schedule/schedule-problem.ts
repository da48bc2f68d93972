/** One thing wrong with (or worth knowing about) a schedule, tied to the field it is about. */
export interface ScheduleProblem {
  /** The field's path in the file (`segments[2].end`), or `''` for the file as a whole. */
  field: string;
  message: string;
}

/** `segments[2].end: must be after start (start 9 ≥ end 8)`. */
export function formatProblem(problem: ScheduleProblem): string {
  return problem.field ? `${problem.field}: ${problem.message}` : problem.message;
}

/** Warnings a run prints one by one; the rest are counted (a generated schedule can have thousands). */
const WARNINGS_SHOWN = 5;

/** `Warning: …` lines for a run: the first few, then one line that counts the rest. */
export function warningLines(warnings: readonly ScheduleProblem[]): string[] {
  const lines = warnings.slice(0, WARNINGS_SHOWN).map((w) => `Warning: ${formatProblem(w)}`);
  const more = warnings.length - WARNINGS_SHOWN;
  if (more > 0)
    lines.push(
      `Warning: and ${more} more like these (\`stylecast schedule check\` lists every one)`,
    );
  return lines;
}
