// kubelet's handling of one container over the pod's life: start, probes, hooks, the kill
// sequence (preStop, SIGTERM, grace, SIGKILL) and restarts with a crash-loop back-off.
import * as path from "node:path";
import * as fs from "node:fs";
import { ConfigError, PodFacts, containerArgv, containerEnv, containerIdentity, expandVars } from "./container-config";
import { ContainerProcess, ExecOptions, ExecResult, LaunchSpec, tcpCheck } from "./containers";
import { settlesWithin, signal, sleep } from "./host";
import { ProbeKind, ProbeRunner, ProbeWorker } from "./probes";
import { ObjectStore } from "./store";
import { Container, LifecycleHandler, PodSpec } from "./types";
import { PodVolumes } from "./volumes";

export interface BackoffOptions {
    /** Delay before the second restart; doubles for each further one (kubelet: 10s). */
    initialMs: number;
    /** Cap of the delay (kubelet: 300s). */
    maxMs: number;
    /** A run at least this long resets the back-off (kubelet: 10 minutes). */
    resetAfterMs: number;
}

/** What a container needs from its pod and the emulator. */
export interface PodHost {
    readonly label: string;
    readonly spec: PodSpec;
    readonly dir: string;
    readonly instance: string;
    readonly store: ObjectStore;
    readonly volumes: PodVolumes;
    readonly msPerSecond: number;
    readonly backoff: BackoffOptions;
    facts(): PodFacts;
    sandboxFiles(): Pick<LaunchSpec, "netns" | "hostsFile" | "resolvFile" | "hostnameFile" | "hostname">;
    log(line: string): void;
    changed(): void;
}

export type ContainerState = "waiting" | "running" | "terminated";

export interface ContainerStatus {
    name: string;
    state: ContainerState;
    /** Why it is waiting (CrashLoopBackOff, CreateContainerConfigError: ...) or how it ended. */
    reason?: string;
    ready: boolean;
    started: boolean;
    restartCount: number;
    lastExitCode?: number;
}

/** kubelet's minimum time between SIGTERM and SIGKILL, even when preStop used up the grace period. */
const MINIMUM_GRACE_SECONDS = 2;

export class ContainerRuntime {
    restartCount = 0;
    ready = false;
    started = false;
    completed = false;
    state: ContainerState = "waiting";
    reason: string | undefined = "ContainerCreating";
    lastExitCode: number | undefined;
    env: Record<string, string> | undefined;
    private current: ContainerProcess | undefined;
    private stopping = false;
    private workers: ProbeWorker[] = [];
    private wakeUp: (() => void) | undefined;
    private lastProbeMessage = "";
    private killing: { proc: ContainerProcess; done: Promise<void> } | undefined;

    constructor(
        readonly container: Container,
        readonly kind: "init" | "app",
        private readonly pod: PodHost,
    ) {}

    status(): ContainerStatus {
        return {
            name: this.container.name,
            state: this.state,
            reason: this.reason,
            ready: this.ready,
            started: this.started,
            restartCount: this.restartCount,
            lastExitCode: this.lastExitCode,
        };
    }

    get process(): ContainerProcess | undefined {
        return this.current;
    }

    logFile(run: number): string {
        return path.join(this.pod.dir, "logs", this.container.name, `${run}.log`);
    }

    /** Runs the container until the pod stops it (app) or until it completes successfully (init). */
    async run(): Promise<void> {
        let backoffStep = 0;
        while (!this.stopping) {
            const launch = this.prepareLaunch();
            if (!launch) {
                await this.pause(this.pod.msPerSecond);
                continue;
            }
            const proc = new ContainerProcess(launch);
            this.current = proc;
            const runStart = Date.now();
            if (
                await proc.started.then(
                    () => true,
                    () => false,
                )
            )
                await this.onStarted(proc);
            const exit = await proc.exited;
            this.stopWorkers();
            this.current = undefined;
            this.ready = false;
            this.started = false;
            this.state = "terminated";
            this.lastExitCode = exit.exitCode;
            this.reason = exit.reason;
            this.pod.log(`[${this.pod.label}/${this.container.name}] exited with code ${exit.exitCode}`);
            this.pod.changed();
            if (this.kind === "init" && exit.exitCode === 0) {
                this.completed = true;
                return;
            }
            if (this.stopping) return;
            this.restartCount++;
            if (Date.now() - runStart >= this.pod.backoff.resetAfterMs) backoffStep = 0;
            const delay = backoffStep === 0 ? 0 : Math.min(this.pod.backoff.initialMs * 2 ** (backoffStep - 1), this.pod.backoff.maxMs);
            backoffStep++;
            this.state = "waiting";
            this.reason = delay > 0 ? "CrashLoopBackOff" : "Restarting";
            this.pod.changed();
            await this.pause(delay);
        }
    }

    private prepareLaunch(): LaunchSpec | undefined {
        const facts = this.pod.facts();
        const identity = containerIdentity(this.pod.spec, this.container);
        try {
            const env = containerEnv(this.container, facts, this.pod.store, identity.uid);
            const mounts = this.pod.volumes.mountsFor(this.container.volumeMounts);
            this.env = env;
            const run = this.restartCount;
            fs.mkdirSync(path.dirname(this.logFile(run)), { recursive: true });
            return {
                ...this.pod.sandboxFiles(),
                instance: this.pod.instance,
                dir: path.join(this.pod.dir, "containers", `${this.container.name}-${run}`),
                identity,
                readOnlyRoot: this.container.securityContext?.readOnlyRootFilesystem === true,
                workingDir: this.container.workingDir,
                mounts,
                argv: containerArgv(this.container).map((arg) => expandVars(arg, env)),
                env,
                logFile: this.logFile(run),
                onLine: (line) => this.pod.log(`[${this.pod.label}/${this.container.name}] ${line}`),
            };
        } catch (error) {
            const reason = `CreateContainerConfigError: ${(error as Error).message}`;
            if (!(error instanceof ConfigError) && !(error as NodeJS.ErrnoException).code) throw error;
            if (this.reason !== reason) this.pod.log(`[${this.pod.label}/${this.container.name}] ${reason}`);
            this.state = "waiting";
            this.reason = reason;
            return undefined;
        }
    }

    private async onStarted(proc: ContainerProcess): Promise<void> {
        this.state = "running";
        this.reason = undefined;
        this.pod.changed();
        const postStart = this.container.lifecycle?.postStart;
        if (postStart && !(await this.runHook("PostStart", postStart, this.graceMs()))) {
            // kubelet kills a container whose postStart hook failed; the restart policy applies.
            await this.kill(this.graceMs(), true);
            return;
        }
        if (this.stopping || proc.hasExited) return;
        this.startWorkers(proc);
    }

    private startWorkers(proc: ContainerProcess): void {
        const { startupProbe, readinessProbe, livenessProbe } = this.container;
        this.started = startupProbe === undefined;
        this.ready = this.started && readinessProbe === undefined;
        if (this.ready) this.pod.changed();
        const runner = this.probeRunner(proc);
        const add = (kind: ProbeKind, probe: typeof startupProbe, gate: () => boolean, onResult: (ok: boolean) => void) => {
            if (!probe) return undefined;
            const worker = new ProbeWorker(kind, probe, this.container, runner(kind), this.pod.msPerSecond, gate, onResult);
            this.workers.push(worker);
            return worker;
        };
        add(
            "startup",
            startupProbe,
            () => !this.started,
            (ok) => {
                if (ok && !this.started) {
                    this.started = true;
                    this.ready = readinessProbe === undefined;
                    this.pod.changed();
                    if (readiness && !readiness.hasResult) readiness.trigger();
                } else if (!ok) {
                    void this.restartAfterProbe("startup");
                }
            },
        );
        const readiness = add(
            "readiness",
            readinessProbe,
            () => this.started,
            (ok) => {
                if (ok !== this.ready) {
                    this.ready = ok;
                    this.pod.changed();
                }
            },
        );
        add(
            "liveness",
            livenessProbe,
            () => this.started,
            (ok) => {
                if (!ok) void this.restartAfterProbe("liveness");
            },
        );
        for (const worker of this.workers) worker.start();
    }

    private probeRunner(proc: ContainerProcess): (kind: ProbeKind) => ProbeRunner {
        return (kind) => ({
            exec: async (argv, timeoutMs) => {
                const result = await proc.exec(argv, { timeoutMs });
                const ok = result.code === 0 && !result.timedOut;
                if (!ok) {
                    const output = result.timedOut
                        ? `timed out after ${timeoutMs}ms`
                        : `${result.stdout}${result.stderr}`.trim().split("\n")[0];
                    this.noteProbeFailure(`${kind} probe failed: ${output}`);
                }
                return ok;
            },
            tcp: async (port, timeoutMs) => {
                const { netns } = this.pod.sandboxFiles();
                const ok = await tcpCheck(netns, this.pod.facts().ip, port, timeoutMs);
                if (!ok) this.noteProbeFailure(`${kind} probe failed: dial tcp port ${port}`);
                return ok;
            },
        });
    }

    private noteProbeFailure(message: string): void {
        if (message !== this.lastProbeMessage) this.pod.log(`[${this.pod.label}/${this.container.name}] ${message}`);
        this.lastProbeMessage = message;
    }

    private async restartAfterProbe(kind: ProbeKind): Promise<void> {
        this.pod.log(`[${this.pod.label}/${this.container.name}] ${kind} probe failed; container will be restarted`);
        this.stopWorkers();
        this.ready = false;
        this.pod.changed();
        // A probe-level grace period (liveness and startup only) shortens the kill of a hung process.
        const probe = kind === "liveness" ? this.container.livenessProbe : this.container.startupProbe;
        const graceMs =
            probe?.terminationGracePeriodSeconds === undefined
                ? this.graceMs()
                : probe.terminationGracePeriodSeconds * this.pod.msPerSecond;
        await this.kill(graceMs, true);
    }

    private stopWorkers(): void {
        for (const worker of this.workers) worker.stop();
        this.workers = [];
    }

    graceMs(): number {
        return (this.pod.spec.terminationGracePeriodSeconds ?? 30) * this.pod.msPerSecond;
    }

    /** Runs a lifecycle hook inside the container; false when it fails or outlives `timeoutMs`. */
    private async runHook(name: string, handler: LifecycleHandler, timeoutMs: number): Promise<boolean> {
        if (handler.sleep) {
            await sleep(Math.min(handler.sleep.seconds * this.pod.msPerSecond, timeoutMs));
            return true;
        }
        const proc = this.current;
        if (!proc || !handler.exec) return true;
        const result = await proc.exec(handler.exec.command, { timeoutMs });
        const ok = result.code === 0 && !result.timedOut;
        if (!ok) {
            const detail = result.timedOut ? "timed out" : `exit ${result.code}: ${`${result.stdout}${result.stderr}`.trim()}`;
            this.pod.log(`[${this.pod.label}/${this.container.name}] Failed${name}Hook: ${detail}`);
        }
        return ok;
    }

    /**
     * kubelet's killContainer: preStop (bounded by the grace period), SIGTERM, then SIGKILL. A kill
     * already under way (a liveness restart when the pod is deleted, say) is joined, not repeated.
     */
    private kill(graceMs: number, runPreStop: boolean): Promise<void> {
        const proc = this.current;
        if (!proc || proc.hasExited) return Promise.resolve();
        if (this.killing?.proc !== proc) this.killing = { proc, done: this.killProcess(proc, graceMs, runPreStop) };
        return this.killing.done;
    }

    private async killProcess(proc: ContainerProcess, graceMs: number, runPreStop: boolean): Promise<void> {
        const began = Date.now();
        const preStop = this.container.lifecycle?.preStop;
        if (runPreStop && preStop && this.state === "running") await this.runHook("PreStop", preStop, graceMs);
        const remaining = Math.max(graceMs - (Date.now() - began), MINIMUM_GRACE_SECONDS * this.pod.msPerSecond);
        proc.signal("SIGTERM");
        if (!(await settlesWithin(proc.exited, remaining))) {
            this.pod.log(`[${this.pod.label}/${this.container.name}] grace period over; sending SIGKILL`);
            proc.killNow();
            await proc.exited;
        }
    }

    /** Stops the container for good: graceful (hooks, SIGTERM, grace) or, with graceMs 0, SIGKILL at once. */
    async terminate(graceMs: number): Promise<void> {
        this.stopping = true;
        this.stopWorkers();
        this.wakeUp?.();
        if (graceMs <= 0) this.current?.killNow();
        else await this.kill(graceMs, this.kind === "app");
        await this.current?.exited;
    }

    /** Node loss: everything dies at once, no hook, no restart. */
    killNow(): void {
        this.stopping = true;
        this.stopWorkers();
        this.wakeUp?.();
        this.current?.killNow();
    }

    /**
     * A crash: SIGKILL now; the restart policy brings it back. Resolves once the death is recorded
     * (not ready, terminated), so callers never observe the crashed container as still ready.
     */
    async crash(): Promise<void> {
        const proc = this.current;
        if (!proc) throw new Error(`container ${this.pod.label}/${this.container.name} is not running (${this.reason ?? this.state})`);
        proc.killNow();
        await proc.exited;
    }

    setFrozen(frozen: boolean): number {
        const pids = this.current?.processes() ?? [];
        for (const pid of pids) signal(pid, frozen ? "SIGSTOP" : "SIGCONT");
        return pids.length;
    }

    exec(argv: string[], options: ExecOptions): Promise<ExecResult> {
        if (!this.current || this.state !== "running") {
            return Promise.reject(
                new Error(`container ${this.pod.label}/${this.container.name} is not running (${this.reason ?? this.state})`),
            );
        }
        return this.current.exec(argv, options);
    }

    private pause(ms: number): Promise<void> {
        return new Promise((resolve) => {
            const timer = setTimeout(resolve, ms);
            this.wakeUp = () => {
                clearTimeout(timer);
                resolve();
            };
        });
    }
}
