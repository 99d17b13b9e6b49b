// Every emulator test file starts with this guard: without root or the host tools the suite
// is skipped loudly, and in CI (CI set) it fails instead, so a broken setup cannot pass green.
import { hostRequirements } from "../requirements";

export function requireEmulatorHost(context: Mocha.Context): void {
    const missing = hostRequirements();
    if (missing.length === 0) return;
    const tools = missing.some((item) => !item.startsWith("root"));
    const hint = tools ? " (apt-get install -y iproute2 util-linux redis-server redis-tools)" : "";
    const message = `the pod emulator cannot run here: missing ${missing.join(", ")}${hint}`;
    if (process.env.CI) throw new Error(message);
    console.warn(`\n  !!! SKIPPED "${context.test?.parent?.title ?? "pod emulator"}": ${message}\n`);
    context.skip();
}
