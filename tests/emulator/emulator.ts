// The pod emulator's public face: objects in, pods running on this machine, faults on demand.
import { inApplyOrder } from "../../sdk/render/order";
import { describeImage } from "./container-config";
import { BackoffOptions } from "./container-runtime";
import { ExecResult } from "./containers";
import { DnsRecord, clusterRecords, endpointPods, resolveName } from "./dns";
import { FAMILY_PREFIX, cleanupStale, createInstance, removeInstanceSync, stateDirOf, unregisterInstance } from "./cleanup";
import { settlesWithin, sleep } from "./host";
import { hostRequirements } from "./requirements";
import { PodNetwork, assertCidrFree, choosePodCidr } from "./network";
import { Pod, PodEnvironment, PodStatus } from "./pod";
import { StatefulSetController } from "./statefulset";
import { ObjectStore } from "./store";
import { ConfigMap, DEFAULT_NAMESPACE, KubeObject, Secret, Service, StatefulSet, namespaceOf, objectKey } from "./types";
import { assertValid } from "./validation";
import { Claim, ClaimStore } from "./volumes";

export interface EmulatorOptions {
    /** Receives emulator events and every container log line. Defaults to discarding them. */
    log?: (line: string) => void;
    /** How long a pod whose node was lost lingers before its controller replaces it. Defaults to 1000. */
    nodeLossDelayMs?: number;
    /**
     * Pod network; refused when it overlaps the machine's addresses or routes. Defaults to
     * 10.244.0.0/16, or the next free /16 up to 10.251.0.0/16 while other emulator runs hold it.
     */
    podCidr?: string;
    /** Multiplies every duration taken from specs (probes, grace periods, hook sleeps). Defaults to 1. */
    timeScale?: number;
    /** Crash-loop back-off. Defaults to 500 ms doubling to 5 s, reset after a 10 s run (kubelet: 10 s to 5 min, reset after 10 min). */
    backoff?: Partial<BackoffOptions>;
    /** Remove leftovers of crashed earlier runs before starting. Defaults to true. */
    cleanupStale?: boolean;
}

export interface ExecOptions {
    container?: string;
    namespace?: string;
    env?: Record<string, string>;
    stdin?: string;
    timeoutMs?: number;
}

export interface ClaimStatus {
    namespace: string;
    name: string;
    path: string;
    inUse: boolean;
    deleting: boolean;
}

/** "ns/name" or a bare name in `namespace` (default "default"). */
function reference(name: string, namespace?: string): [string, string] {
    const slash = name.indexOf("/");
    return slash >= 0 ? [name.slice(0, slash), name.slice(slash + 1)] : [namespace ?? DEFAULT_NAMESPACE, name];
}

export class Emulator {
    private readonly store = new ObjectStore();
    private readonly claimStore: ClaimStore;
    private readonly controllers = new Map<string, StatefulSetController>();
    private readonly imagesLogged = new Set<string>();
    private records: DnsRecord[] = [];
    private syncScheduled = false;
    private stopped = false;
    private readonly env: PodEnvironment;
    private readonly log: (line: string) => void;

    private constructor(
        readonly id: string,
        readonly podCidr: string,
        readonly network: PodNetwork,
        private readonly options: EmulatorOptions,
    ) {
        this.log = options.log ?? (() => undefined);
        this.claimStore = new ClaimStore(`${this.stateDir}/claims`);
        const backoff: BackoffOptions = { initialMs: 500, maxMs: 5000, resetAfterMs: 10_000, ...options.backoff };
        this.env = {
            instance: id,
            stateDir: this.stateDir,
            network,
            store: this.store,
            claims: this.claimStore,
            msPerSecond: 1000 * (options.timeScale ?? 1),
            backoff,
            log: this.log,
            changed: () => this.scheduleSync(),
        };
    }

    get stateDir(): string {
        return stateDirOf(this.id);
    }

    /**
     * Validates every object (a refusal throws before anything is created), then creates the pod
     * network and applies the objects. Pods start in the background; use waitReady.
     */
    static async start(objects: object[], options: EmulatorOptions = {}): Promise<Emulator> {
        assertValid(objects);
        const missing = hostRequirements();
        if (missing.length > 0) throw new Error(`the pod emulator cannot run here: missing ${missing.join(", ")}`);
        if (options.cleanupStale !== false) cleanupStale({ log: options.log });
        let cidr: string;
        if (options.podCidr) {
            cidr = options.podCidr;
            await assertCidrFree(cidr);
        } else {
            // Another emulator run on this machine (another test process, say) may hold the default.
            cidr = await choosePodCidr((link) => link.startsWith(FAMILY_PREFIX));
        }
        const id = createInstance();
        try {
            const network = await PodNetwork.create(id, cidr);
            const emulator = new Emulator(id, cidr, network, options);
            emulator.log(`emulator ${id}: pod network ${cidr} on bridge ${network.bridge}, state in ${stateDirOf(id)}`);
            emulator.applyValidated(objects as KubeObject[]);
            return emulator;
        } catch (error) {
            removeInstanceSync(id);
            unregisterInstance(id);
            throw error;
        }
    }

    /** Creates or updates objects; a changed StatefulSet template rolls its pods. */
    async apply(objects: object[]): Promise<void> {
        this.assertRunning();
        assertValid(objects, this.store);
        this.applyValidated(objects as KubeObject[]);
    }

    private applyValidated(objects: KubeObject[]): void {
        const sorted = inApplyOrder(objects, (object) => object.kind);
        for (const object of sorted) {
            const namespace = namespaceOf(object);
            const key = objectKey(namespace, object.metadata.name);
            if (object.kind !== "Namespace" && object.kind !== "PersistentVolume" && !this.store.namespaces.has(namespace)) {
                // A real API server would refuse; components are often rendered without their namespace.
                this.log(`emulator: namespace ${namespace} created implicitly`);
                this.store.namespaces.add(namespace);
            }
            switch (object.kind) {
                case "Namespace":
                    this.store.namespaces.add(object.metadata.name);
                    break;
                case "PersistentVolume":
                    this.store.persistentVolumes.set(object.metadata.name, object);
                    break;
                case "ConfigMap":
                    this.store.configMaps.set(key, object as ConfigMap);
                    this.refreshVolumes(namespace);
                    break;
                case "Secret":
                    this.store.secrets.set(key, object as Secret);
                    this.refreshVolumes(namespace);
                    break;
                case "PersistentVolumeClaim":
                    this.claimStore.ensure(namespace, object.metadata.name);
                    break;
                case "Service":
                    this.store.services.set(key, object as Service);
                    break;
                case "StatefulSet":
                    this.applyStatefulSet(key, object as StatefulSet);
                    break;
            }
        }
        this.scheduleSync();
    }

    private applyStatefulSet(key: string, statefulSet: StatefulSet): void {
        this.store.statefulSets.set(key, statefulSet);
        const spec = statefulSet.spec.template.spec;
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
            if (this.imagesLogged.has(container.image)) continue;
            this.imagesLogged.add(container.image);
            this.log(`emulator: ${describeImage(container.image)}`);
        }
        const controller = this.controllers.get(key);
        if (controller) controller.update(statefulSet);
        else {
            const created = new StatefulSetController(statefulSet, this.env);
            this.controllers.set(key, created);
            created.reconcile();
        }
    }

    /** kubelet syncs configMap and secret volumes of running pods (on a real node within about a minute). */
    private refreshVolumes(namespace: string): void {
        for (const pod of this.livePods().filter((p) => p.namespace === namespace)) pod.volumes.refresh();
    }

    private scheduleSync(): void {
        if (this.syncScheduled) return;
        this.syncScheduled = true;
        setImmediate(() => {
            this.syncScheduled = false;
            if (this.stopped) return;
            try {
                const pods = this.livePods();
                this.records = clusterRecords(
                    [...this.store.services.values()],
                    pods.map((p) => p.dnsView()),
                );
                for (const pod of pods) pod.updateDns(this.records);
                for (const controller of this.controllers.values()) controller.reconcile();
            } catch (error) {
                this.log(`emulator: DNS sync failed: ${(error as Error).message}`);
            }
        });
    }

    private livePods(): Pod[] {
        return [...this.controllers.values()].flatMap((c) => c.allPods()).filter((p) => !p.gone);
    }

    private pod(name: string, namespace?: string): Pod {
        const [ns, podName] = reference(name, namespace);
        const pod = this.livePods().find((p) => p.name === podName && p.namespace === ns);
        if (!pod) throw new Error(`pod ${ns}/${podName} not found`);
        return pod;
    }

    private controller(name: string, namespace?: string): StatefulSetController {
        const [ns, stsName] = reference(name, namespace);
        const controller = this.controllers.get(objectKey(ns, stsName));
        if (!controller) throw new Error(`statefulset ${ns}/${stsName} not found`);
        return controller;
    }

    private assertRunning(): void {
        if (this.stopped) throw new Error(`emulator ${this.id} is stopped`);
    }

    pods(): PodStatus[] {
        return this.livePods()
            .map((p) => p.status())
            .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`, "en", { numeric: true }));
    }

    podIP(pod: string, namespace?: string): string {
        const found = this.pod(pod, namespace);
        if (!found.ip) throw new Error(`pod ${found.label} has no IP yet`);
        return found.ip;
    }

    /** The IPs a client reaches the Service at: its endpoints (no virtual IP; see README). */
    serviceAddresses(service: string, namespace?: string): string[] {
        const [ns, name] = reference(service, namespace);
        const found = this.store.services.get(objectKey(ns, name));
        if (!found) throw new Error(`service ${ns}/${name} not found`);
        return endpointPods(
            found,
            this.livePods().map((p) => p.dnsView()),
        ).map((p) => p.ip as string);
    }

    /** One address for the host to reach a Service at (the first endpoint). */
    hostAddress(service: string, namespace?: string): string {
        const [address] = this.serviceAddresses(service, namespace);
        if (!address) throw new Error(`service ${reference(service, namespace).join("/")} has no endpoints`);
        return address;
    }

    /** What a pod in `namespace` gets for a cluster DNS name (its hosts file); [] for an unknown name. */
    resolve(name: string, namespace?: string): string[] {
        return resolveName(name, namespace ?? DEFAULT_NAMESPACE, this.records);
    }

    persistentVolumeClaims(): ClaimStatus[] {
        return this.claimStore.list().map((c: Claim) => ({
            namespace: c.namespace,
            name: c.name,
            path: c.dir,
            inUse: c.users.size > 0,
            deleting: c.deleting,
        }));
    }

    async waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            if (await predicate()) return;
            if (this.stopped) throw new Error(`emulator ${this.id} stopped while waiting for ${what}`);
            if (Date.now() > deadline) {
                const pods = this.pods().map((p) => {
                    const containers = p.containers.map(
                        (c) =>
                            `${c.name}:${c.state}${c.ready ? "+ready" : ""}${c.reason ? `(${c.reason})` : ""} restarts=${c.restartCount}`,
                    );
                    return `  ${p.namespace}/${p.name} ${p.ip ?? "-"} ${p.phase}${p.ready ? " Ready" : ""}${p.terminating ? " Terminating" : ""} ${p.reason ?? ""} ${containers.join(" ")}`;
                });
                throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}\n${pods.join("\n")}`);
            }
            await sleep(50);
        }
    }

    /** Waits until every desired pod is Running and Ready on its target revision, and no extra pod remains. */
    async waitReady(statefulSet: string, options: { namespace?: string; timeoutMs?: number; replicas?: number } = {}): Promise<void> {
        const controller = this.controller(statefulSet, options.namespace);
        const replicas = options.replicas;
        await this.waitFor(
            () => controller.isReady() && (replicas === undefined || (controller.spec.replicas ?? 1) === replicas),
            options.timeoutMs ?? 60_000,
            `statefulset ${controller.namespace}/${controller.name} to be ready${replicas !== undefined ? ` with ${replicas} replicas` : ""}`,
        );
    }

    /** Runs argv inside a container's namespaces, as its user, with its environment; rejects on timeout. */
    async exec(pod: string, argv: string[], options: ExecOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
        const result: ExecResult = await this.pod(pod, options.namespace).exec(argv, options.container, options);
        if (result.timedOut) throw new Error(`exec ${argv.join(" ")} in ${pod} timed out after ${options.timeoutMs}ms`);
        return { code: result.code, stdout: result.stdout, stderr: result.stderr };
    }

    /** The current (or previous) run's output of a container, as `kubectl logs [--previous]`. */
    logs(pod: string, container?: string, options: { namespace?: string; previous?: boolean } = {}): string {
        return this.pod(pod, options.namespace).logs(container, options.previous === true);
    }

    /** Sets the replica count, as `kubectl scale`; use waitReady to wait for the result. */
    async scale(statefulSet: string, replicas: number, namespace?: string): Promise<void> {
        if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`replicas must be a non-negative integer, not ${replicas}`);
        this.controller(statefulSet, namespace).scale(replicas);
    }

    /**
     * SIGKILL of the container's main process; the restart policy brings it back in the same pod.
     * Resolves once the emulator has recorded the death (the pod is no longer Ready).
     */
    async crashContainer(pod: string, container?: string, namespace?: string): Promise<void> {
        await this.pod(pod, namespace).container(container).crash();
    }

    /**
     * Deletes a pod (graceful: preStop, SIGTERM, grace, SIGKILL; otherwise SIGKILL at once) and
     * resolves once it is gone. Its controller recreates it with a new IP and the same claims.
     */
    async deletePod(pod: string, options: { graceful?: boolean; namespace?: string; gracePeriodSeconds?: number } = {}): Promise<void> {
        const target = this.pod(pod, options.namespace);
        await target.delete(options.graceful === false ? 0 : options.gracePeriodSeconds);
    }

    /** Kills everything in the pod at once (no hooks); the pod is replaced after nodeLossDelayMs. */
    async loseNode(pod: string, namespace?: string): Promise<void> {
        void this.pod(pod, namespace).loseNode(this.options.nodeLossDelayMs ?? 1000);
    }

    /** Cuts the pod off from the host and every other pod; its processes keep running. */
    async partition(pod: string, namespace?: string): Promise<void> {
        await this.pod(pod, namespace).setPartitioned(true);
    }

    async heal(pod: string, namespace?: string): Promise<void> {
        await this.pod(pod, namespace).setPartitioned(false);
    }

    /** Deletes a claim; as with pvc-protection it goes once no pod uses it, and a new pod gets a fresh one. */
    async deletePvc(claim: string, namespace?: string): Promise<void> {
        const [ns, name] = reference(claim, namespace);
        if (!this.claimStore.delete(ns, name)) throw new Error(`persistentvolumeclaim ${ns}/${name} not found`);
    }

    /** SIGSTOP (freeze) or SIGCONT (thaw) to every process of the container. */
    async freeze(pod: string, container?: string, namespace?: string): Promise<void> {
        this.signalContainer(true, pod, container, namespace);
    }

    async thaw(pod: string, container?: string, namespace?: string): Promise<void> {
        this.signalContainer(false, pod, container, namespace);
    }

    private signalContainer(frozen: boolean, pod: string, container?: string, namespace?: string): void {
        const runtime = this.pod(pod, namespace).container(container);
        if (runtime.setFrozen(frozen) === 0) throw new Error(`container ${pod}/${runtime.container.name} has no running process`);
    }

    /** Deletes an object as `kubectl delete` would (a StatefulSet takes its pods along). */
    async delete(
        kind: "StatefulSet" | "Service" | "ConfigMap" | "Secret" | "PersistentVolumeClaim",
        name: string,
        namespace?: string,
    ): Promise<void> {
        const [ns, objectName] = reference(name, namespace);
        const key = objectKey(ns, objectName);
        if (kind === "StatefulSet") {
            const controller = this.controller(objectName, ns);
            this.controllers.delete(key);
            this.store.statefulSets.delete(key);
            await controller.delete();
        } else if (kind === "PersistentVolumeClaim") {
            await this.deletePvc(objectName, ns);
        } else {
            const stores = { Service: this.store.services, ConfigMap: this.store.configMaps, Secret: this.store.secrets };
            if (!stores[kind].delete(key)) throw new Error(`${kind} ${key} not found`);
        }
        this.scheduleSync();
    }

    /** Stops every pod as a node drain would (preStop, SIGTERM, grace), then removes every trace. */
    async stop(): Promise<void> {
        if (this.stopped) return;
        const controllers = [...this.controllers.values()];
        const longestGrace = Math.max(30, ...controllers.map((c) => c.spec.template.spec.terminationGracePeriodSeconds ?? 30));
        await settlesWithin(Promise.all(controllers.map((c) => c.stop())), longestGrace * this.env.msPerSecond + 10_000);
        this.stopped = true;
        const remaining = removeInstanceSync(this.id);
        unregisterInstance(this.id);
        this.log(`emulator ${this.id}: stopped${remaining.length ? `; could not remove: ${remaining.join(", ")}` : ""}`);
    }
}
