// One run of one container: the process chain that gives it its own mount, UTS and PID
// namespaces inside the pod's network namespace, its logs, and exec into it.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONTAINER_PATH, INSTANCE_ENV, pidNamespaceMembers, signal } from "./host";
import { MountPlan } from "./volumes";

const ENTRY_SCRIPT = path.join(__dirname, "container-entry.sh");
const TCP_PROBE_SCRIPT = path.join(__dirname, "tcp-probe.sh");

function hostBinary(name: string): string {
    for (const dir of CONTAINER_PATH.split(":")) {
        const candidate = path.join(dir, name);
        if (fs.existsSync(candidate)) return candidate;
    }
    return name;
}

const SETPRIV = hostBinary("setpriv");
const NSENTER = hostBinary("nsenter");
const IP = hostBinary("ip");
const UNSHARE = hostBinary("unshare");
const SH = hostBinary("sh");
const BASH = hostBinary("bash");

/** The user a container's processes run as, resolved from pod and container securityContext. */
export interface Identity {
    uid: number;
    gid: number;
    groups: number[];
    noNewPrivs: boolean;
}

export interface LaunchSpec {
    instance: string;
    netns: string;
    /** Per-run directory; holds the mount points of the writable layer and the root overlay. */
    dir: string;
    hostsFile: string;
    resolvFile: string;
    hostnameFile: string;
    hostname: string;
    identity: Identity;
    readOnlyRoot: boolean;
    workingDir?: string;
    mounts: MountPlan[];
    argv: string[];
    env: Record<string, string>;
    logFile: string;
    onLine: (line: string) => void;
}

export interface ExitStatus {
    exitCode: number;
    reason: "Completed" | "Error";
}

export interface ExecOptions {
    env?: Record<string, string>;
    stdin?: string;
    timeoutMs?: number;
}

export interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
    timedOut: boolean;
}

function setprivArgs(identity: Identity): string[] {
    const args = ["--reuid", String(identity.uid), "--regid", String(identity.gid)];
    args.push(...(identity.groups.length > 0 ? ["--groups", identity.groups.join(",")] : ["--clear-groups"]));
    if (identity.noNewPrivs) args.push("--no-new-privs");
    return [...args, "--pdeathsig", "KILL"];
}

/** Runs a host process to completion, collecting output; on timeout it is killed and reported as such. */
export function collect(cmd: string, args: string[], env: NodeJS.ProcessEnv, options: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { env, stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        if (options.stdin !== undefined) {
            child.stdin!.on("error", () => undefined);
            child.stdin!.end(options.stdin);
        }
        const timer =
            options.timeoutMs !== undefined
                ? setTimeout(() => {
                      timedOut = true;
                      child.kill("SIGKILL");
                  }, options.timeoutMs)
                : undefined;
        child.on("error", (error) => {
            stderr += error.message;
        });
        child.on("close", (code, sig) => {
            if (timer) clearTimeout(timer);
            const exit = code ?? 128 + (sig ? os.constants.signals[sig] : 0);
            resolve({ code: exit, stdout, stderr, timedOut });
        });
    });
}

/** kubelet's tcpSocket check, made from inside the pod's network namespace. */
export async function tcpCheck(netns: string, host: string, port: number, timeoutMs: number): Promise<boolean> {
    const result = await collect(
        NSENTER,
        [`--net=/run/netns/${netns}`, "--", BASH, TCP_PROBE_SCRIPT, host, String(port)],
        { PATH: CONTAINER_PATH },
        { timeoutMs },
    );
    return result.code === 0 && !result.timedOut;
}

export class ContainerProcess {
    readonly started: Promise<void>;
    readonly exited: Promise<ExitStatus>;
    private pid1: number | undefined;
    private readonly child: ChildProcess;
    private readonly log: fs.WriteStream;
    private exitStatus: ExitStatus | undefined;

    constructor(private readonly spec: LaunchSpec) {
        fs.mkdirSync(path.join(spec.dir, "layer"), { recursive: true });
        fs.mkdirSync(path.join(spec.dir, "rootfs"), { recursive: true });
        this.log = fs.createWriteStream(spec.logFile, { flags: "a" });
        const mounts = spec.mounts.flatMap((m) => [m.source, m.target, m.readOnly ? "ro" : "rw"]);
        const chain = [
            // If the emulator dies, so does the chain; the container's PID 1 follows via its own pdeathsig.
            ...["--pdeathsig", "KILL", "--", IP, "netns", "exec", spec.netns],
            ...[UNSHARE, "--mount", "--uts", "--pid", "--propagation", "private", "--", SH, ENTRY_SCRIPT],
            ...mounts,
            "--",
            ...spec.argv,
        ];
        this.child = spawn(SETPRIV, chain, {
            env: {
                ...spec.env,
                [INSTANCE_ENV]: spec.instance,
                KUBE_EMULATOR_CONTAINER_DIR: spec.dir,
                KUBE_EMULATOR_HOSTS: spec.hostsFile,
                KUBE_EMULATOR_RESOLV: spec.resolvFile,
                KUBE_EMULATOR_HOSTNAME_FILE: spec.hostnameFile,
                KUBE_EMULATOR_POD_HOSTNAME: spec.hostname,
                KUBE_EMULATOR_UID: String(spec.identity.uid),
                KUBE_EMULATOR_GID: String(spec.identity.gid),
                KUBE_EMULATOR_GROUPS: spec.identity.groups.join(","),
                KUBE_EMULATOR_READONLY_ROOT: String(spec.readOnlyRoot),
                KUBE_EMULATOR_NO_NEW_PRIVS: String(spec.identity.noNewPrivs),
                KUBE_EMULATOR_WORKDIR: spec.workingDir ?? "",
            },
            stdio: ["ignore", "pipe", "pipe", "pipe"],
            // A session of its own: a terminal's Ctrl-C goes to the emulator, which stops pods in order.
            detached: true,
        });
        this.forwardLines(this.child.stdout!);
        this.forwardLines(this.child.stderr!);
        this.started = new Promise((resolve, reject) => {
            const control = this.child.stdio[3] as NodeJS.ReadableStream;
            let buffered = "";
            control.on("data", (chunk: Buffer) => {
                buffered += chunk.toString();
                for (const line of buffered.split("\n").slice(0, -1)) {
                    if (line.startsWith("pid ")) this.pid1 = Number(line.slice(4));
                    if (line === "started") resolve();
                }
                buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
            });
            this.child.on("close", () => reject(new Error("container exited before its command started")));
            this.child.on("error", reject);
        });
        this.started.catch(() => undefined);
        this.exited = new Promise((resolve) => {
            this.child.on("close", (code, sig) => {
                const exitCode = code ?? 128 + (sig ? os.constants.signals[sig] : 0);
                this.exitStatus = { exitCode, reason: exitCode === 0 ? "Completed" : "Error" };
                this.log.end();
                resolve(this.exitStatus);
            });
        });
    }

    private forwardLines(stream: NodeJS.ReadableStream): void {
        let partial = "";
        stream.on("data", (chunk: Buffer) => {
            this.log.write(chunk);
            partial += chunk.toString();
            const lines = partial.split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines) this.spec.onLine(line);
        });
        stream.on("end", () => {
            if (partial) this.spec.onLine(partial);
        });
    }

    get hasExited(): boolean {
        return this.exitStatus !== undefined;
    }

    /** Host PID of the container's PID 1, once known. */
    get pid(): number | undefined {
        return this.pid1;
    }

    /** Signals PID 1 only, as a runtime does; PID 1 without a handler ignores all but SIGKILL. */
    signal(sig: NodeJS.Signals): void {
        if (this.pid1 !== undefined && !this.hasExited) signal(this.pid1, sig);
    }

    /** Every process in the container (its PID namespace). */
    processes(): number[] {
        return this.pid1 === undefined || this.hasExited ? [] : pidNamespaceMembers(this.pid1);
    }

    /** Kills the namespace's PID 1, which takes every other process of the container with it. */
    killNow(): void {
        this.signal("SIGKILL");
        if (this.pid1 === undefined) this.child.kill("SIGKILL");
    }

    /** Runs a command in the container's namespaces as its user, with its environment and working dir. */
    exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
        if (this.pid1 === undefined || this.hasExited) {
            return Promise.resolve({ code: 126, stdout: "", stderr: "container is not running", timedOut: false });
        }
        const args = [
            ...["--target", String(this.pid1), "--net", "--mount", "--uts", "--pid", "--root", "--wd", "--"],
            ...[SETPRIV, ...setprivArgs(this.spec.identity), "--"],
            ...argv,
        ];
        return collect(NSENTER, args, { ...this.spec.env, ...options.env }, options);
    }
}
