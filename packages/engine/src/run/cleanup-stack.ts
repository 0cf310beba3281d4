/**
 * Undo steps registered as a run builds its container (mount, cgroup, process...), run in
 * reverse order whatever happens. A failing step does not stop the others; their errors are
 * returned so the caller can report them.
 */
export class CleanupStack {
  readonly #steps: Array<{ what: string; undo: () => unknown }> = [];

  push(what: string, undo: () => unknown): void {
    this.#steps.push({ what, undo });
  }

  async run(): Promise<Error[]> {
    const errors: Error[] = [];
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      try {
        await step.undo();
      } catch (err) {
        errors.push(new Error(`${step.what}: ${(err as Error).message}`, { cause: err }));
      }
    }
    return errors;
  }
}
