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
