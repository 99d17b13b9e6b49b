// Host-side helpers: running commands and reading /proc. Kept free of emulator state so the
// synchronous cleanup path (exit handlers) can use them too.
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";

/**
 * The PATH containers get. Containers run host binaries, but not with the caller's PATH:
 * `npx` prepends node_modules/.bin, which no image would have.
 */
export const CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Environment variable that marks every process the emulator spawns, so leftovers can be found. */
export const INSTANCE_ENV = "KUBE_EMULATOR_INSTANCE";

export class CommandError extends Error {
    constructor(
        readonly argv: string[],
        readonly code: number | null,
        readonly stderr: string,
    ) {
        super(`${argv.join(" ")} failed (exit ${code ?? "signal"}): ${stderr.trim()}`);
    }
}

/** Runs a host command to completion; rejects with its stderr when it fails. */
export function run(cmd: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(cmd, args, { env: { PATH: CONTAINER_PATH } }, (error, stdout, stderr) => {
            if (error) {
                const code = typeof error.code === "number" ? error.code : null;
                reject(new CommandError([cmd, ...args], code, String(stderr) || error.message));
            } else {
                resolve(String(stdout));
            }
        });
    });
}

export interface SyncResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Synchronous variant for exit handlers, which cannot wait for promises. Never throws. */
export function runSync(cmd: string, args: string[]): SyncResult {
    const result = spawnSync(cmd, args, { encoding: "utf8", env: { PATH: CONTAINER_PATH }, timeout: 10_000 });
    return {
        code: result.status ?? -1,
        stdout: result.stdout ?? "",
        stderr: result.stderr ?? (result.error ? result.error.message : ""),
    };
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `promise` settles within `ms`; the timer is cleared either way, so it never keeps the process alive. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
        return await Promise.race([promise.then(() => true), timeout]);
    } finally {
        clearTimeout(timer);
    }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
    Atomics.wait(sleeper, 0, 0, ms);
}

/** Whether a command is on the container PATH. */
export function hasCommand(name: string): boolean {
    return CONTAINER_PATH.split(":").some((dir) => {
        try {
            fs.accessSync(`${dir}/${name}`, fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

interface ProcStat {
    state: string;
    ppid: number;
}

function readStat(pid: number): ProcStat | undefined {
    try {
        const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name may contain spaces and parentheses; fields resume after the last ')'.
        const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
        return { state: fields[0], ppid: Number(fields[1]) };
    } catch {
        return undefined;
    }
}

export function allPids(): number[] {
    return fs
        .readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .map(Number);
}

/** Alive means it exists and is not a zombie waiting to be reaped. */
export function processAlive(pid: number): boolean {
    const stat = readStat(pid);
    return stat !== undefined && stat.state !== "Z";
}

export function childrenOf(pid: number): number[] {
    return allPids().filter((candidate) => readStat(candidate)?.ppid === pid);
}

function nsLink(pid: number, ns: string): string | undefined {
    try {
        return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
    } catch {
        return undefined;
    }
}

/** Every live process sharing the PID namespace of `pid` (a container's processes). */
export function pidNamespaceMembers(pid: number): number[] {
    const target = nsLink(pid, "pid");
    if (!target) return [];
    return allPids().filter((candidate) => processAlive(candidate) && nsLink(candidate, "pid") === target);
}

/** Processes whose environment carries INSTANCE_ENV with a value starting with `prefix`. */
export function pidsMarkedWith(prefix: string): number[] {
    const needle = `${INSTANCE_ENV}=${prefix}`;
    return allPids().filter((pid) => {
        if (pid === process.pid) return false;
        try {
            const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
            return environ.split("\0").some((entry) => entry.startsWith(needle));
        } catch {
            return false;
        }
    });
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
    try {
        process.kill(pid, sig);
        return true;
    } catch {
        return false;
    }
}

/** Waits (synchronously) until none of `pids` is alive, up to `timeoutMs`. Returns the survivors. */
export function waitGoneSync(pids: number[], timeoutMs: number): number[] {
    const deadline = Date.now() + timeoutMs;
    let alive = pids.filter(processAlive);
    while (alive.length > 0 && Date.now() < deadline) {
        sleepSync(20);
        alive = alive.filter(processAlive);
    }
    return alive;
}

/** uid -> home directory from the host's /etc/passwd, as a runtime reads it from the image. */
export function homeOf(uid: number): string {
    try {
        for (const line of fs.readFileSync("/etc/passwd", "utf8").split("\n")) {
            const fields = line.split(":");
            if (fields.length >= 6 && Number(fields[2]) === uid) return fields[5];
        }
    } catch {
        // No passwd file: fall through to the runtime default.
    }
    return "/";
}
