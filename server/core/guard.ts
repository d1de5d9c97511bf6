/**
 * Every call into a language goes through `guard`: a language bug becomes one logged error and
 * an empty answer, never a dead server or a failed request the client would show as a popup.
 */
export type Logger = (message: string) => void;

export function guard<T>(log: Logger, what: string, fallback: T, run: () => T): T {
  try {
    return run();
  } catch (e) {
    log(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fallback;
  }
}

export async function guardAsync<T>(log: Logger, what: string, fallback: T, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    log(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fallback;
  }
}
