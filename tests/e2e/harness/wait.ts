/** Polls `condition` until it returns a truthy value, and returns that value; no fixed sleeps. */
export async function waitFor<T>(
    condition: () => T | undefined | false | null | Promise<T | undefined | false | null>,
    timeoutMs: number,
    what: string,
    intervalMs = 250,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await condition();
            if (value) {
                return value;
            }
        } catch (error) {
            // A transient error (a connection refused while a pod restarts) is one more poll.
            lastError = error;
        }
        if (Date.now() > deadline) {
            const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}

/** Seconds since `start` (a Date.now()), with one decimal. */
export function secondsSince(start: number): number {
    return Math.round((Date.now() - start) / 100) / 10;
}

/** One measurement line, collected for the report and printed at once. */
export const measurements: Record<string, number | string> = {};
export function measure(name: string, value: number | string): void {
    measurements[name] = value;
    console.log(`      [measure] ${name}: ${value}`);
}
