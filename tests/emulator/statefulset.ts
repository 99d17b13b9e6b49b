// The StatefulSet controller, following pkg/controller/statefulset/stateful_set_control.go:
// stable names and claims per ordinal, OrderedReady or Parallel pod management, and rolling
// updates from the highest ordinal down, one pod at a time, honouring the partition.
import { createHash } from "node:crypto";
import { Pod, PodEnvironment, PodTemplateInstance } from "./pod";
import { PodTemplate, StatefulSet, Volume, namespaceOf } from "./types";

/** A stable JSON text: object keys sorted, so equal templates hash alike. */
function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
        return `{${entries
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
            .join(",")}}`;
    }
    return JSON.stringify(value);
}

/** The controller-revision-hash of a pod template. */
export function templateRevision(statefulSet: StatefulSet): string {
    const hash = createHash("sha256").update(canonical(statefulSet.spec.template)).digest("hex").slice(0, 10);
    return `${statefulSet.metadata.name}-${hash}`;
}

export function claimName(template: string, statefulSet: string, ordinal: number): string {
    return `${template}-${statefulSet}-${ordinal}`;
}

export class StatefulSetController {
    private readonly pods = new Map<number, Pod>();
    private readonly templates = new Map<string, PodTemplate>();
    private currentRevision: string;
    private updateRevision: string;
    private reconciling = false;
    private again = false;
    private deleted = false;

    constructor(
        private statefulSet: StatefulSet,
        private readonly env: PodEnvironment,
    ) {
        this.updateRevision = this.currentRevision = templateRevision(statefulSet);
        this.templates.set(this.updateRevision, statefulSet.spec.template);
    }

    get name(): string {
        return this.statefulSet.metadata.name;
    }

    get namespace(): string {
        return namespaceOf(this.statefulSet);
    }

    get spec(): StatefulSet["spec"] {
        return this.statefulSet.spec;
    }

    allPods(): Pod[] {
        return [...this.pods.values()];
    }

    update(statefulSet: StatefulSet): void {
        this.statefulSet = statefulSet;
        const revision = templateRevision(statefulSet);
        if (revision !== this.updateRevision) {
            this.env.log(`[statefulset ${this.namespace}/${this.name}] new revision ${revision}`);
            this.templates.set(revision, statefulSet.spec.template);
            this.updateRevision = revision;
        }
        this.reconcile();
    }

    scale(replicas: number): void {
        this.statefulSet = { ...this.statefulSet, spec: { ...this.spec, replicas } };
        this.reconcile();
    }

    private get range(): [number, number] {
        const start = this.spec.ordinals?.start ?? 0;
        return [start, start + (this.spec.replicas ?? 1)];
    }

    private get partition(): number {
        return this.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    }

    private revisionFor(ordinal: number): string {
        const rolling = (this.spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
        return rolling && ordinal < this.partition ? this.currentRevision : this.updateRevision;
    }

    /** All desired pods exist, are Running and Ready on their target revision, and none is left over. */
    isReady(): boolean {
        const [start, end] = this.range;
        if ([...this.pods.keys()].some((ordinal) => ordinal < start || ordinal >= end)) return false;
        for (let ordinal = start; ordinal < end; ordinal++) {
            const pod = this.pods.get(ordinal);
            if (!pod || !pod.ready || pod.template.owner?.revision !== this.revisionFor(ordinal)) return false;
        }
        return true;
    }

    /** Schedules a reconcile pass; passes never overlap, and a request during one runs another after it. */
    reconcile(): void {
        if (this.reconciling) {
            this.again = true;
            return;
        }
        this.reconciling = true;
        setImmediate(() => {
            try {
                this.reconcileOnce();
            } catch (error) {
                this.env.log(`[statefulset ${this.namespace}/${this.name}] ${(error as Error).message}`);
            }
            this.reconciling = false;
            if (this.again) {
                this.again = false;
                this.reconcile();
            }
        });
    }

    private reconcileOnce(): void {
        if (this.deleted) return;
        const [start, end] = this.range;
        const monotonic = (this.spec.podManagementPolicy ?? "OrderedReady") === "OrderedReady";
        const healthy = (pod: Pod) => pod.ready && !pod.terminating;

        for (let ordinal = start; ordinal < end; ordinal++) {
            const pod = this.pods.get(ordinal);
            if (!pod) {
                this.createPod(ordinal);
                if (monotonic) return;
                continue;
            }
            if (monotonic && !healthy(pod)) return;
        }

        const condemned = [...this.pods.entries()].filter(([o]) => o < start || o >= end).sort(([a], [b]) => b - a);
        for (const [, pod] of condemned) {
            if (pod.terminating) {
                if (monotonic) return;
                continue;
            }
            void pod.delete();
            if (monotonic) return;
        }
        if (condemned.length > 0) return;

        let updated = true;
        for (let ordinal = end - 1; ordinal >= start; ordinal--) {
            if (this.pods.get(ordinal)?.template.owner?.revision !== this.updateRevision) updated = false;
        }
        if (updated) this.currentRevision = this.updateRevision;
        if ((this.spec.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate") return;
        for (let ordinal = end - 1; ordinal >= Math.max(start, this.partition); ordinal--) {
            const pod = this.pods.get(ordinal)!;
            if (pod.template.owner?.revision !== this.updateRevision && !pod.terminating) {
                this.env.log(`[statefulset ${this.namespace}/${this.name}] rolling ${pod.name} to ${this.updateRevision}`);
                void pod.delete();
                return;
            }
            if (!healthy(pod)) return;
        }
    }

    private createPod(ordinal: number): void {
        const revision = this.revisionFor(ordinal);
        const pod = new Pod(this.instanceFor(ordinal, revision), this.env);
        this.pods.set(ordinal, pod);
        this.env.log(`[statefulset ${this.namespace}/${this.name}] creating ${pod.name} (${revision})`);
        void pod.finished.then(() => {
            if (this.pods.get(ordinal) !== pod) return;
            this.pods.delete(ordinal);
            const [start, end] = this.range;
            const scaledAway = ordinal < start || ordinal >= end;
            if (scaledAway && this.spec.persistentVolumeClaimRetentionPolicy?.whenScaled === "Delete") this.deleteClaims(ordinal);
            this.reconcile();
        });
        pod.start();
    }

    private instanceFor(ordinal: number, revision: string): PodTemplateInstance {
        const template = this.templates.get(revision)!;
        const name = `${this.name}-${ordinal}`;
        const claimVolumes: Volume[] = (this.spec.volumeClaimTemplates ?? []).map((claim) => {
            const claimed = claimName(claim.metadata.name, this.name, ordinal);
            this.env.claims.ensure(this.namespace, claimed);
            return { name: claim.metadata.name, persistentVolumeClaim: { claimName: claimed } };
        });
        const claimed = new Set(claimVolumes.map((v) => v.name));
        return {
            name,
            namespace: this.namespace,
            labels: {
                ...template.metadata?.labels,
                "controller-revision-hash": revision,
                "statefulset.kubernetes.io/pod-name": name,
                "apps.kubernetes.io/pod-index": String(ordinal),
            },
            annotations: { ...template.metadata?.annotations },
            spec: {
                ...template.spec,
                hostname: name,
                subdomain: this.spec.serviceName,
                volumes: [...(template.spec.volumes ?? []).filter((v) => !claimed.has(v.name)), ...claimVolumes],
            },
            owner: { statefulSet: this.name, ordinal, revision },
        };
    }

    private deleteClaims(ordinal: number): void {
        for (const claim of this.spec.volumeClaimTemplates ?? []) {
            this.env.claims.delete(this.namespace, claimName(claim.metadata.name, this.name, ordinal));
        }
    }

    /** Deletes the StatefulSet: every pod at once, then its claims if whenDeleted is Delete. */
    async delete(): Promise<void> {
        this.deleted = true;
        await Promise.all(this.allPods().map((pod) => pod.delete()));
        if (this.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete") {
            const templates = new Set((this.spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name));
            for (const claim of this.env.claims.list()) {
                const match = /^(.*)-(\d+)$/.exec(claim.name);
                if (claim.namespace !== this.namespace || !match) continue;
                for (const template of templates) {
                    if (match[1] === `${template}-${this.name}`) this.env.claims.delete(claim.namespace, claim.name);
                }
            }
        }
    }

    /** Stops every pod gracefully, as on emulator shutdown; claims stay (they go with the state dir). */
    async stop(): Promise<void> {
        this.deleted = true;
        await Promise.all(this.allPods().map((pod) => pod.delete()));
    }
}
