// What the page calls a run: its `--name` when it has one, else its id.

/** A run as far as its label goes: its id and its resolved configuration. */
export interface Labelled {
  readonly runId: string;
  readonly info: { readonly config: Readonly<Record<string, unknown>> };
}

/** The run's name (`config.name`, set by `--name`) when it has a non-empty one, else its id. */
export function runLabel(run: Labelled): string {
  const name = run.info.config.name;
  return typeof name === 'string' && name.trim() !== '' ? name : run.runId;
}
