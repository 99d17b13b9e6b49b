import { execFileSync } from "child_process";

/** Whether a command is on PATH. */
export function hasCommand(command: string): boolean {
    try {
        execFileSync("sh", ["-c", `command -v "${command}"`], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/**
 * Skips the suite, loudly, when a tool it runs is missing; in CI (CI set) a missing tool fails
 * the suite instead, so that a broken install step cannot turn into a green run.
 */
export function requireTools(context: Mocha.Context, commands: string[]): void {
    const missing = commands.filter((command) => !hasCommand(command));
    if (missing.length === 0) {
        return;
    }
    const message = `missing ${missing.join(", ")}: install them (apt-get install redis-server redis-tools shellcheck iproute2) or run .ci/run`;
    if (process.env.CI) {
        throw new Error(message);
    }
    console.warn(`\n  !!! SKIPPED "${context.test?.parent?.title}": ${message}\n`);
    context.skip();
}
