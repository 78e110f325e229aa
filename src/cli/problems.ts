// A bad configuration: every problem found, one line each; the CLI prints them and exits 2.

/** Thrown by commands when a config is invalid; carries every problem. */
export class ConfigProblems extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigProblems';
    this.problems = problems;
  }
}
