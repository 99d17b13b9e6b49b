// One pod on the emulator's "node": its sandbox (network namespace, IP, DNS files), volumes,
// init containers in order, app containers side by side, and its end (graceful deletion, or
// the loss of its node).
import * as fs from "node:fs";
import * as path from "node:path";
import { PodFacts } from "./container-config";
import { BackoffOptions, ContainerRuntime, ContainerStatus, PodHost } from "./container-runtime";
import { ExecOptions, ExecResult, LaunchSpec } from "./containers";
import { DnsPod, DnsRecord, PodDnsFiles } from "./dns";
import { run, signal, sleep } from "./host";
import { PodNetwork, Sandbox } from "./network";
import { ObjectStore } from "./store";
import { HostAlias, PodSpec, StringMap } from "./types";
import { ClaimStore, PodVolumes } from "./volumes";

export const NODE_NAME = "kube-emulator";

/** Everything pods share: the instance's network, stores and settings. */
export interface PodEnvironment {
    instance: string;
    stateDir: string;
    network: PodNetwork;
    store: ObjectStore;
    claims: ClaimStore;
    msPerSecond: number;
    backoff: BackoffOptions;
    log(line: string): void;
    changed(): void;
}

export interface PodTemplateInstance {
    name: string;
    namespace: string;
    labels: StringMap;
    annotations: StringMap;
    spec: PodSpec;
    /** StatefulSet bookkeeping, when a StatefulSet owns the pod. */
    owner?: { statefulSet: string; ordinal: number; revision: string };
}

export type PodPhase = "Pending" | "Running" | "Unknown";

export interface PodStatus {
    name: string;
    namespace: string;
    uid: string;
    ip?: string;
    phase: PodPhase;
    ready: boolean;
    terminating: boolean;
    partitioned: boolean;
    /** Why the pod is not running yet (a missing volume source, for example). */
    reason?: string;
    statefulSet?: string;
    ordinal?: number;
    /** The controller-revision-hash of the template the pod was created from. */
    revision?: string;
    restartCount: Record<string, number>;
    containers: ContainerStatus[];
    initContainers: ContainerStatus[];
}

let podSequence = 0;

export class Pod implements PodHost {
    readonly uid: string;
    readonly dir: string;
    readonly volumes: PodVolumes;
    readonly initRuntimes: ContainerRuntime[];
    readonly appRuntimes: ContainerRuntime[];
    readonly finished: Promise<void>;
    terminating = false;
    nodeLost = false;
    partitioned = false;
    gone = false;
    private initialized = false;
    reason: string | undefined = "ContainerCreating";
    private sandbox: Sandbox | undefined;
    private dnsFiles: PodDnsFiles | undefined;
    private running: Promise<void> | undefined;
    private ending: Promise<void> | undefined;
    private resolveFinished!: () => void;

    constructor(
        readonly template: PodTemplateInstance,
        private readonly env: PodEnvironment,
    ) {
        this.uid = `${env.instance}-${++podSequence}`;
        this.dir = path.join(env.stateDir, "pods", `${template.namespace}_${template.name}_${podSequence}`);
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
        this.volumes = new PodVolumes(this.dir, this.uid, template.namespace, template.spec, env.store, env.claims);
        this.initRuntimes = (template.spec.initContainers ?? []).map((c) => new ContainerRuntime(c, "init", this));
        this.appRuntimes = template.spec.containers.map((c) => new ContainerRuntime(c, "app", this));
        this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    }

    get name(): string {
        return this.template.name;
    }

    get namespace(): string {
        return this.template.namespace;
    }

    get label(): string {
        return `${this.namespace}/${this.name}`;
    }

    get spec(): PodSpec {
        return this.template.spec;
    }

    get instance(): string {
        return this.env.instance;
    }

    get store(): ObjectStore {
        return this.env.store;
    }

    get msPerSecond(): number {
        return this.env.msPerSecond;
    }

    get backoff(): BackoffOptions {
        return this.env.backoff;
    }

    /** Running once a container has run after the init containers; Unknown once the node is lost. */
    get phase(): PodPhase {
        if (this.nodeLost) return "Unknown";
        const ran = this.appRuntimes.some((c) => c.state === "running" || c.restartCount > 0);
        return this.initialized && ran ? "Running" : "Pending";
    }

    get ip(): string | undefined {
        return this.sandbox?.ip;
    }

    get hostname(): string {
        return this.spec.hostname ?? this.name;
    }

    log(line: string): void {
        this.env.log(line);
    }

    changed(): void {
        this.env.changed();
    }

    facts(): PodFacts {
        return {
            name: this.name,
            namespace: this.namespace,
            uid: this.uid,
            ip: this.ip ?? "",
            hostIP: this.env.network.gateway,
            nodeName: NODE_NAME,
            hostname: this.hostname,
            labels: this.template.labels,
            annotations: this.template.annotations,
        };
    }

    sandboxFiles(): Pick<LaunchSpec, "netns" | "hostsFile" | "resolvFile" | "hostnameFile" | "hostname"> {
        if (!this.sandbox || !this.dnsFiles) throw new Error(`pod ${this.label} has no sandbox`);
        return {
            netns: this.sandbox.netns,
            hostsFile: this.dnsFiles.hostsPath,
            resolvFile: this.dnsFiles.resolvPath,
            hostnameFile: this.dnsFiles.hostnamePath,
            hostname: this.hostname,
        };
    }

    get netns(): string | undefined {
        return this.sandbox?.netns;
    }

    /** Ready as the endpoints controller sees it: running, every app container ready, not on its way out. */
    get ready(): boolean {
        return this.phase === "Running" && !this.terminating && this.appRuntimes.every((c) => c.ready);
    }

    dnsView(): DnsPod {
        return {
            name: this.name,
            namespace: this.namespace,
            ip: this.ip,
            hostname: this.hostname,
            subdomain: this.spec.subdomain,
            labels: this.template.labels,
            ready: this.ready,
            terminating: this.terminating,
            hostAliases: this.spec.hostAliases as HostAlias[] | undefined,
        };
    }

    updateDns(records: DnsRecord[]): void {
        this.dnsFiles?.update(this.dnsView(), records);
    }

    status(): PodStatus {
        const owner = this.template.owner;
        return {
            name: this.name,
            namespace: this.namespace,
            uid: this.uid,
            ip: this.ip,
            phase: this.phase,
            ready: this.ready,
            terminating: this.terminating,
            partitioned: this.partitioned,
            reason: this.reason,
            statefulSet: owner?.statefulSet,
            ordinal: owner?.ordinal,
            revision: owner?.revision,
            restartCount: Object.fromEntries(this.appRuntimes.map((c) => [c.container.name, c.restartCount])),
            containers: this.appRuntimes.map((c) => c.status()),
            initContainers: this.initRuntimes.map((c) => c.status()),
        };
    }

    start(): void {
        this.running = this.run().catch((error: Error) => {
            this.reason = `emulator error: ${error.message}`;
            this.log(`[${this.label}] ${this.reason}`);
        });
    }

    private async run(): Promise<void> {
        this.sandbox = await this.env.network.createSandbox(this.name);
        this.dnsFiles = new PodDnsFiles(this.sandbox.netns, this.dnsView());
        this.changed();
        while (!this.terminating) {
            const waiting = await this.volumes.prepare();
            if (!waiting) break;
            if (this.reason !== waiting) this.log(`[${this.label}] waiting: ${waiting}`);
            this.reason = waiting;
            await sleep(200);
        }
        for (const init of this.initRuntimes) {
            if (this.terminating) return;
            this.reason = `Init:${init.container.name}`;
            await init.run();
        }
        if (this.terminating) return;
        this.initialized = true;
        this.reason = undefined;
        this.changed();
        await Promise.all(this.appRuntimes.map((c) => c.run()));
    }

    /** Graceful deletion: out of the endpoints first, then preStop, SIGTERM and SIGKILL per container. */
    delete(graceSeconds?: number): Promise<void> {
        if (this.ending || this.gone) return this.finished;
        this.terminating = true;
        this.changed();
        const graceMs = (graceSeconds ?? this.spec.terminationGracePeriodSeconds ?? 30) * this.msPerSecond;
        this.log(`[${this.label}] deleting (grace ${graceMs}ms)`);
        this.ending = (async () => {
            await Promise.all([...this.initRuntimes, ...this.appRuntimes].map((c) => c.terminate(graceMs)));
            await this.running;
            await this.teardown();
        })();
        return this.finished;
    }

    /** The node is gone: every process dies now, no hooks; the pod object lingers for `delayMs`. */
    loseNode(delayMs: number): Promise<void> {
        if (this.ending || this.gone) return this.finished;
        this.nodeLost = true;
        this.terminating = true;
        this.log(`[${this.label}] node lost`);
        for (const runtime of [...this.initRuntimes, ...this.appRuntimes]) runtime.killNow();
        this.killSandboxProcesses();
        this.changed();
        this.ending = (async () => {
            await this.running;
            await sleep(delayMs);
            await this.teardown();
        })();
        return this.finished;
    }

    async setPartitioned(partitioned: boolean): Promise<void> {
        if (!this.sandbox) throw new Error(`pod ${this.label} has no network yet`);
        await this.env.network.setPartitioned(this.sandbox, partitioned);
        this.partitioned = partitioned;
        this.log(`[${this.label}] ${partitioned ? "partitioned from the network" : "network healed"}`);
    }

    container(name?: string): ContainerRuntime {
        const wanted = name ?? this.template.annotations["kubectl.kubernetes.io/default-container"] ?? this.appRuntimes[0].container.name;
        const runtime = [...this.appRuntimes, ...this.initRuntimes].find((c) => c.container.name === wanted);
        if (!runtime) throw new Error(`pod ${this.label} has no container ${wanted}`);
        return runtime;
    }

    exec(argv: string[], container: string | undefined, options: ExecOptions): Promise<ExecResult> {
        return this.container(container).exec(argv, options);
    }

    logs(container: string | undefined, previous: boolean): string {
        const runtime = this.container(container);
        let run = previous ? runtime.restartCount - 1 : runtime.restartCount;
        // While a crashed container waits to restart, its latest output is that of the run that ended.
        if (!previous && run > 0 && !fs.existsSync(runtime.logFile(run))) run--;
        if (run < 0) throw new Error(`container ${this.label}/${runtime.container.name} has no previous run`);
        try {
            return fs.readFileSync(runtime.logFile(run), "utf8");
        } catch {
            return "";
        }
    }

    /** Processes outside the containers but inside the pod's network namespace (exec sessions, probes). */
    private killSandboxProcesses(): void {
        if (!this.sandbox) return;
        void run("ip", ["netns", "pids", this.sandbox.netns])
            .then((out) =>
                out
                    .split("\n")
                    .filter(Boolean)
                    .forEach((pid) => signal(Number(pid), "SIGKILL")),
            )
            .catch(() => undefined);
    }

    private async teardown(): Promise<void> {
        if (this.sandbox) {
            const pids = await run("ip", ["netns", "pids", this.sandbox.netns]).catch(() => "");
            for (const pid of pids.split("\n").filter(Boolean)) signal(Number(pid), "SIGKILL");
        }
        await this.volumes.teardown();
        this.dnsFiles?.remove();
        if (this.sandbox) await this.env.network.removeSandbox(this.sandbox);
        fs.rmSync(this.dir, { recursive: true, force: true });
        this.gone = true;
        this.log(`[${this.label}] gone`);
        this.changed();
        this.resolveFinished();
    }
}
