/** The run's state folder: the one place the cursor store is opened. */
import type { Config } from "../config";
import { CursorStore } from "../copy/cursors";

/** The cursors of STATE_DIR, loaded; `problems` says what could not be opened or read (resuming then falls back to the destination). */
export function openCursors(config: Pick<Config, "stateDir">): { cursors: CursorStore; problems: string[] } {
  const { store, problem } = CursorStore.open(config.stateDir);
  const loaded = store.load();
  return { cursors: store, problems: [problem, loaded.problem].filter((p): p is string => !!p) };
}
