// Everything an emulator instance leaves on the machine is named after its id ("kemu" and four
// hex digits): network namespaces, links, /etc/netns/<id>-*, the state dir /tmp/<id>, and the
// processes it spawned (marked in their environment). One synchronous routine removes an
// instance by that id, whether on stop(), at process exit, or later for a crashed run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { INSTANCE_ENV, pidsMarkedWith, processAlive, runSync, signal, waitGoneSync } from "./host";

export const FAMILY_PREFIX = "kemu";
const ID_PATTERN = /^kemu[0-9a-f]{4}/;
const ETC_NETNS = "/etc/netns";
const RUN_NETNS = "/run/netns";

export function stateDirOf(id: string): string {
    return path.join(os.tmpdir(), id);
}

interface InstanceRecord {
    pid: number;
    /** The owner's start time (field 22 of /proc/<pid>/stat), so a reused pid is not mistaken for it. */
    startTime: string;
    /** /etc/netns and /run/netns did not exist before emulator runs, so the last one removes them. */
    createdEtcNetns: boolean;
    createdRunNetns: boolean;
}

function startTimeOf(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    } catch {
        return undefined;
    }
}

function netnsNames(): string[] {
    const result = runSync("ip", ["netns", "list"]);
    return result.stdout
        .split("\n")
        .map((line) => line.split(" ")[0])
        .filter(Boolean);
}

function linkNames(): string[] {
    const result = runSync("ip", ["-o", "link", "show"]);
    return result.stdout
        .split("\n")
        .map((line) => line.split(": ")[1]?.split("@")[0])
        .filter((name): name is string => !!name);
}

function mountPoints(): string[] {
    try {
        return fs
            .readFileSync("/proc/self/mountinfo", "utf8")
            .split("\n")
            .map((line) => line.split(" ")[4])
            .filter((point): point is string => !!point)
            .map((point) => point.replace(/\\040/g, " "));
    } catch {
        return [];
    }
}

function listDir(dir: string): string[] {
    try {
        return fs.readdirSync(dir);
    } catch {
        return [];
    }
}

function netnsPids(netns: string): number[] {
    return runSync("ip", ["netns", "pids", netns]).stdout.split("\n").filter(Boolean).map(Number);
}

function commandLine(pid: number): string {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    } catch {
        return "?";
    }
}

/** Processes of instances matching `prefix`: marked ones and anything inside their namespaces. */
function instanceProcesses(prefix: string): number[] {
    const pids = new Set(pidsMarkedWith(prefix));
    for (const netns of netnsNames().filter((n) => n.startsWith(prefix))) {
        for (const pid of netnsPids(netns)) pids.add(pid);
    }
    pids.delete(process.pid);
    return [...pids].filter(processAlive);
}

function instanceLeftovers(id: string): string[] {
    const found: string[] = [];
    for (const netns of netnsNames().filter((n) => n.startsWith(id))) found.push(`netns ${netns}`);
    for (const link of linkNames().filter((n) => n.startsWith(id))) found.push(`link ${link}`);
    for (const pid of instanceProcesses(id)) found.push(`process ${pid}: ${commandLine(pid)}`);
    const tmp = os.tmpdir();
    for (const point of mountPoints()) {
        if (point.startsWith(path.join(tmp, id)) || point.startsWith(path.join("/run/netns", id))) found.push(`mount ${point}`);
    }
    for (const entry of listDir(tmp).filter((e) => e.startsWith(id))) found.push(`dir ${path.join(tmp, entry)}`);
    for (const entry of listDir(ETC_NETNS).filter((e) => e.startsWith(id))) found.push(`dir ${path.join(ETC_NETNS, entry)}`);
    return found;
}

/**
 * What emulator instances (all of them, or those whose id starts with `prefix`) have left on
 * this machine: one line per network namespace, link, process, mount and directory. Instances
 * that other live processes are running are in use, not left over, and are not listed; this
 * process's own instances are, until stopped. Empty when the machine is clean.
 */
export function leftovers(prefix: string = FAMILY_PREFIX): string[] {
    return [...instanceIds()]
        .filter((id) => id.startsWith(prefix) && !(ownerAlive(id) && readInstanceRecord(id)?.pid !== process.pid))
        .sort()
        .flatMap(instanceLeftovers);
}

function allInstanceRecords(): InstanceRecord[] {
    return listDir(os.tmpdir())
        .filter((entry) => ID_PATTERN.test(entry))
        .map(readInstanceRecord)
        .filter((record): record is InstanceRecord => record !== undefined);
}

/**
 * Whether `dir` is the emulator's to remove: it did not exist, or it holds only emulator
 * entries and an earlier emulator run created it.
 */
function createdByEmulator(dir: string, flag: "createdEtcNetns" | "createdRunNetns"): boolean {
    if (!fs.existsSync(dir)) return true;
    return listDir(dir).every((entry) => ID_PATTERN.test(entry)) && allInstanceRecords().some((record) => record[flag]);
}

/**
 * Claims a fresh instance id: its state dir and owner record exist, and exit handlers will
 * remove everything named after it should the process end before stop().
 */
export function createInstance(): string {
    const id = newInstanceId();
    const record: InstanceRecord = {
        pid: process.pid,
        startTime: startTimeOf(process.pid) ?? "",
        createdEtcNetns: createdByEmulator(ETC_NETNS, "createdEtcNetns"),
        createdRunNetns: createdByEmulator(RUN_NETNS, "createdRunNetns"),
    };
    fs.mkdirSync(stateDirOf(id), { mode: 0o700 });
    fs.mkdirSync(ETC_NETNS, { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(stateDirOf(id), "instance.json"), JSON.stringify(record));
    registerInstance(id, () => removeInstanceSync(id));
    return id;
}

function readInstanceRecord(id: string): InstanceRecord | undefined {
    try {
        return JSON.parse(fs.readFileSync(path.join(stateDirOf(id), "instance.json"), "utf8")) as InstanceRecord;
    } catch {
        return undefined;
    }
}

function ownerAlive(id: string): boolean {
    const record = readInstanceRecord(id);
    return !!record && processAlive(record.pid) && startTimeOf(record.pid) === record.startTime;
}

/**
 * Removes every trace of instance `id`, synchronously (exit handlers cannot await): processes
 * first (SIGKILL), then mounts, namespaces, links and files. Returns what could not be removed.
 */
export function removeInstanceSync(id: string): string[] {
    const record = readInstanceRecord(id);
    const pids = instanceProcesses(id);
    for (const pid of pids) signal(pid, "SIGKILL");
    waitGoneSync(pids, 5000);
    const stateDir = stateDirOf(id);
    const mounts = mountPoints()
        .filter((point) => point.startsWith(stateDir))
        .sort((a, b) => b.length - a.length);
    for (const point of mounts) runSync("umount", ["-l", point]);
    for (const netns of netnsNames().filter((n) => n.startsWith(id))) runSync("ip", ["netns", "del", netns]);
    // Host ends of veth pairs first (each takes its peer along), then the bridge.
    const links = linkNames().filter((n) => n.startsWith(id));
    for (const link of links.sort((a, b) => (a.endsWith("br") ? 1 : 0) - (b.endsWith("br") ? 1 : 0))) {
        runSync("ip", ["link", "del", link]);
    }
    for (const entry of listDir(ETC_NETNS).filter((e) => e.startsWith(id))) {
        fs.rmSync(path.join(ETC_NETNS, entry), { recursive: true, force: true });
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
    if (record?.createdEtcNetns && listDir(ETC_NETNS).length === 0) fs.rmSync(ETC_NETNS, { recursive: true, force: true });
    if (record?.createdRunNetns && fs.existsSync(RUN_NETNS) && listDir(RUN_NETNS).length === 0) {
        // `ip netns add` made /run/netns a mount of itself; undo both.
        for (let i = 0; i < 3 && mountPoints().includes(RUN_NETNS); i++) runSync("umount", [RUN_NETNS]);
        if (!mountPoints().includes(RUN_NETNS)) fs.rmSync(RUN_NETNS, { recursive: true, force: true });
    }
    return instanceLeftovers(id);
}

/** Instance ids that have something on this machine. */
function instanceIds(): Set<string> {
    const names = [...netnsNames(), ...linkNames(), ...listDir(os.tmpdir()), ...listDir(ETC_NETNS)];
    const ids = new Set(names.map((n) => ID_PATTERN.exec(n)?.[0]).filter((id): id is string => !!id));
    for (const pid of pidsMarkedWith(FAMILY_PREFIX)) {
        try {
            const entry = fs
                .readFileSync(`/proc/${pid}/environ`, "utf8")
                .split("\0")
                .find((e) => e.startsWith(`${INSTANCE_ENV}=`));
            const id = entry ? ID_PATTERN.exec(entry.slice(INSTANCE_ENV.length + 1))?.[0] : undefined;
            if (id) ids.add(id);
        } catch {
            // The process is gone already.
        }
    }
    return ids;
}

/**
 * Removes what crashed earlier runs left behind (instances whose owning process is gone).
 * Instances of live processes are left alone. Returns the ids it removed.
 */
export function cleanupStale(options: { log?: (line: string) => void } = {}): string[] {
    const removed: string[] = [];
    for (const id of instanceIds()) {
        if (ownerAlive(id)) continue;
        const remaining = removeInstanceSync(id);
        options.log?.(
            `cleanupStale: removed leftovers of emulator instance ${id}${remaining.length ? `; could not remove: ${remaining.join(", ")}` : ""}`,
        );
        removed.push(id);
    }
    return removed;
}

/** A fresh instance id that nothing on the machine uses yet. */
export function newInstanceId(): string {
    const taken = instanceIds();
    for (;;) {
        const id = `${FAMILY_PREFIX}${Math.floor(Math.random() * 0x10000)
            .toString(16)
            .padStart(4, "0")}`;
        if (!taken.has(id)) return id;
    }
}

const live = new Map<string, () => void>();
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function cleanupAll(): void {
    for (const [id, cleanup] of live) {
        live.delete(id);
        try {
            cleanup();
        } catch {
            // Exit handlers must not throw; what remains shows up in leftovers() and cleanupStale().
        }
    }
}

function onSignal(sig: NodeJS.Signals): void {
    // A program with its own handler (a CLI that stops the emulator gracefully) decides what
    // happens; the exit handler still removes whatever is left when it exits.
    if (process.listeners(sig).some((listener) => listener !== signalHandlers[sig])) return;
    cleanupAll();
    uninstall();
    process.kill(process.pid, sig);
}

const signalHandlers = Object.fromEntries(SIGNALS.map((sig) => [sig, () => onSignal(sig)])) as Record<NodeJS.Signals, () => void>;

function install(): void {
    process.on("exit", cleanupAll);
    for (const sig of SIGNALS) process.on(sig, signalHandlers[sig]);
}

function uninstall(): void {
    process.removeListener("exit", cleanupAll);
    for (const sig of SIGNALS) process.removeListener(sig, signalHandlers[sig]);
}

/** Ensures `cleanup` runs synchronously if the process exits or is signalled before stop(). */
export function registerInstance(id: string, cleanup: () => void): void {
    if (live.size === 0) install();
    live.set(id, cleanup);
}

export function unregisterInstance(id: string): void {
    live.delete(id);
    if (live.size === 0) uninstall();
}
