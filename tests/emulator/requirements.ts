// What the emulator needs from the machine, checked before anything is created.
import { hasCommand } from "./host";

/** What this machine lacks to run the emulator; empty when it can. */
export function hostRequirements(): string[] {
    const missing = process.getuid?.() === 0 ? [] : ["root (network and mount namespaces)"];
    for (const command of ["ip", "unshare", "nsenter", "setpriv", "pivot_root", "mount", "bash", "redis-server", "redis-cli"]) {
        if (!hasCommand(command)) missing.push(command);
    }
    return missing;
}
