// Volumes as kubelet lays them out on a node: configMap and secret volumes written by an atomic
// writer (so running pods see updates), emptyDirs that live and die with the pod, and
// persistent volume claims that outlive pods. Everything lives under the instance's state dir.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "./host";
import { ObjectStore, configMapData, secretData } from "./store";
import { KeyToPath, PodSpec, Volume, VolumeMount, objectKey } from "./types";

export interface FileEntry {
    content: Buffer;
    mode: number;
}

const DEFAULT_FILE_MODE = 0o644;
// kubelet's SetVolumeOwnership masks: group read(-write) on files, plus setgid and search on dirs.
const RW_MASK = 0o660;
const RO_MASK = 0o440;
const DIR_MASK = 0o2000 | 0o110;

/** Applies fsGroup the way kubelet does: group ownership and group permissions, setgid on dirs. */
function chownToGroup(target: string, fsGroup: number, readOnly: boolean, recursive: boolean): void {
    const stat = fs.lstatSync(target);
    if (stat.isSymbolicLink()) return;
    fs.lchownSync(target, stat.uid, fsGroup);
    const mask = (readOnly ? RO_MASK : RW_MASK) | (stat.isDirectory() ? DIR_MASK : 0);
    fs.chmodSync(target, (stat.mode & 0o7777) | mask);
    if (recursive && stat.isDirectory()) {
        for (const entry of fs.readdirSync(target)) chownToGroup(path.join(target, entry), fsGroup, readOnly, true);
    }
}

/**
 * Selects and names the files of a configMap or secret volume. Returns an error text when an
 * item names a missing key, which keeps the pod from starting as it would on a cluster.
 */
export function projectKeys(
    data: Map<string, Buffer>,
    items: KeyToPath[] | undefined,
    defaultMode: number | undefined,
): Map<string, FileEntry> | string {
    const files = new Map<string, FileEntry>();
    const fallback = defaultMode ?? DEFAULT_FILE_MODE;
    if (!items) {
        for (const [key, content] of data) files.set(key, { content, mode: fallback });
        return files;
    }
    for (const item of items) {
        const content = data.get(item.key);
        if (content === undefined) return `key "${item.key}" not found`;
        files.set(item.path, { content, mode: item.mode ?? fallback });
    }
    return files;
}

/**
 * kubelet's AtomicWriter: payloads go to a fresh timestamped directory, `..data` is swapped to it
 * with one rename, and each top-level name is a symlink through `..data`. Readers never see a
 * half-written update, and a subPath mount (bound to the resolved file) keeps the old content.
 */
export class AtomicDir {
    private generation = 0;
    private digest = "";

    constructor(readonly root: string) {
        fs.mkdirSync(root, { recursive: true, mode: 0o777 });
        fs.chmodSync(root, 0o777);
    }

    /** Writes the payload unless it is what the volume already holds (kubelet writes only changes). */
    write(files: Map<string, FileEntry>, fsGroup: number | undefined): void {
        const hash = createHash("sha256");
        for (const [relative, file] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
            hash.update(`${relative}\0${file.mode}\0${file.content.length}\0`).update(file.content);
        }
        const digest = `${hash.digest("hex")}:${fsGroup ?? ""}`;
        if (digest === this.digest) return;
        this.digest = digest;
        const stamp = new Date().toISOString().replace(/[-:T]/g, "_").replace("Z", "");
        const tsName = `..${stamp}.${process.pid}${this.generation++}`;
        const tsDir = path.join(this.root, tsName);
        fs.mkdirSync(tsDir, { mode: 0o755 });
        fs.chmodSync(tsDir, 0o755);
        for (const [relative, file] of files) {
            const target = path.join(tsDir, relative);
            fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
            fs.writeFileSync(target, file.content);
            fs.chmodSync(target, file.mode);
        }
        if (fsGroup !== undefined) chownToGroup(tsDir, fsGroup, true, true);
        const previous = this.readData();
        fs.symlinkSync(tsName, path.join(this.root, "..data_tmp"));
        fs.renameSync(path.join(this.root, "..data_tmp"), path.join(this.root, "..data"));
        const topLevel = new Set([...files.keys()].map((relative) => relative.split("/")[0]));
        for (const name of topLevel) {
            const link = path.join(this.root, name);
            if (!fs.existsSync(link)) fs.symlinkSync(path.join("..data", name), link);
        }
        for (const entry of fs.readdirSync(this.root)) {
            if (!entry.startsWith("..") && !topLevel.has(entry)) fs.rmSync(path.join(this.root, entry), { force: true });
        }
        if (previous) fs.rmSync(path.join(this.root, previous), { recursive: true, force: true });
        if (fsGroup !== undefined) chownToGroup(this.root, fsGroup, false, false);
    }

    private readData(): string | undefined {
        try {
            return fs.readlinkSync(path.join(this.root, "..data"));
        } catch {
            return undefined;
        }
    }
}

/** A provisioned claim: its data directory and the pods using it (for pvc-protection). */
export interface Claim {
    namespace: string;
    name: string;
    dir: string;
    users: Set<string>;
    deleting: boolean;
}

/**
 * The emulator's storage provisioner. A fresh claim is an empty directory owned by root with mode
 * 0755, like the root of a newly formatted disk, so pods need fsGroup to write to it. A claim
 * marked for deletion goes away once no pod uses it, as the pvc-protection finalizer ensures.
 */
export class ClaimStore {
    private readonly claims = new Map<string, Claim>();
    private sequence = 0;

    constructor(private readonly root: string) {}

    get(namespace: string, name: string): Claim | undefined {
        return this.claims.get(objectKey(namespace, name));
    }

    list(): Claim[] {
        return [...this.claims.values()];
    }

    ensure(namespace: string, name: string): Claim {
        const existing = this.get(namespace, name);
        if (existing) return existing;
        const dir = path.join(this.root, namespace, `${name}-${this.sequence++}`);
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        fs.chmodSync(dir, 0o755);
        const claim: Claim = { namespace, name, dir, users: new Set(), deleting: false };
        this.claims.set(objectKey(namespace, name), claim);
        return claim;
    }

    delete(namespace: string, name: string): boolean {
        const claim = this.get(namespace, name);
        if (!claim) return false;
        claim.deleting = true;
        this.collect(claim);
        return true;
    }

    release(podUid: string): void {
        for (const claim of this.claims.values()) {
            if (claim.users.delete(podUid)) this.collect(claim);
        }
    }

    private collect(claim: Claim): void {
        if (!claim.deleting || claim.users.size > 0) return;
        this.claims.delete(objectKey(claim.namespace, claim.name));
        fs.rmSync(claim.dir, { recursive: true, force: true });
    }
}

/** Kubernetes quantity ("64Mi", "1G", "500") in bytes. */
export function parseQuantity(value: string | number): number {
    if (typeof value === "number") return value;
    const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(value);
    if (!match) throw new Error(`unsupported quantity ${value}`);
    const factors: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
    return Math.ceil(Number(match[1]) * (match[2] ? factors[match[2]] : 1));
}

export interface MountPlan {
    source: string;
    target: string;
    readOnly: boolean;
}

interface PreparedVolume {
    volume: Volume;
    dir: string;
    readOnly: boolean;
    atomic?: AtomicDir;
    tmpfs?: boolean;
}

/** The volumes of one pod: created when the pod starts, removed (except claims) when it goes. */
export class PodVolumes {
    private readonly prepared = new Map<string, PreparedVolume>();

    constructor(
        private readonly dir: string,
        private readonly podUid: string,
        private readonly namespace: string,
        private readonly spec: PodSpec,
        private readonly store: ObjectStore,
        private readonly claims: ClaimStore,
    ) {}

    private get fsGroup(): number | undefined {
        return this.spec.securityContext?.fsGroup;
    }

    /** Sets up every volume; returns why the pod must wait (a missing object), or undefined when done. */
    async prepare(): Promise<string | undefined> {
        for (const volume of this.spec.volumes ?? []) {
            if (this.prepared.has(volume.name)) continue;
            const waiting = await this.prepareOne(volume);
            if (waiting) return `volume "${volume.name}": ${waiting}`;
        }
        return undefined;
    }

    private async prepareOne(volume: Volume): Promise<string | undefined> {
        const dir = path.join(this.dir, "volumes", volume.name);
        if (volume.configMap || volume.secret) {
            const files = this.projected(volume);
            if (typeof files === "string") return files;
            const atomic = new AtomicDir(dir);
            atomic.write(files, this.fsGroup);
            this.prepared.set(volume.name, { volume, dir, readOnly: true, atomic });
        } else if (volume.emptyDir) {
            fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
            const memory = volume.emptyDir.medium === "Memory";
            if (memory) {
                const size = volume.emptyDir.sizeLimit !== undefined ? `,size=${parseQuantity(volume.emptyDir.sizeLimit)}` : "";
                await run("mount", ["-t", "tmpfs", "-o", `mode=0777${size}`, "tmpfs", dir]);
            }
            fs.chmodSync(dir, 0o777);
            if (this.fsGroup !== undefined) chownToGroup(dir, this.fsGroup, false, false);
            this.prepared.set(volume.name, { volume, dir, readOnly: false, tmpfs: memory });
        } else if (volume.persistentVolumeClaim) {
            const claim = this.claims.get(this.namespace, volume.persistentVolumeClaim.claimName);
            if (!claim) return `persistentvolumeclaim "${volume.persistentVolumeClaim.claimName}" not found`;
            if (claim.deleting) return `persistentvolumeclaim "${claim.name}" is being deleted`;
            claim.users.add(this.podUid);
            const readOnly = volume.persistentVolumeClaim.readOnly === true;
            if (this.fsGroup !== undefined && this.needsOwnership(claim.dir)) chownToGroup(claim.dir, this.fsGroup, readOnly, true);
            this.prepared.set(volume.name, { volume, dir: claim.dir, readOnly });
        }
        return undefined;
    }

    private needsOwnership(dir: string): boolean {
        if (this.spec.securityContext?.fsGroupChangePolicy !== "OnRootMismatch") return true;
        const stat = fs.statSync(dir);
        return stat.gid !== this.fsGroup || (stat.mode & 0o2000) === 0;
    }

    private projected(volume: Volume): Map<string, FileEntry> | string {
        if (volume.configMap) {
            const source = volume.configMap;
            const configMap = this.store.configMap(this.namespace, source.name);
            if (!configMap) return source.optional ? new Map() : `configmap "${source.name}" not found`;
            return projectKeys(configMapData(configMap), source.items, source.defaultMode);
        }
        const source = volume.secret!;
        const secret = this.store.secret(this.namespace, source.secretName);
        if (!secret) return source.optional ? new Map() : `secret "${source.secretName}" not found`;
        return projectKeys(secretData(secret), source.items, source.defaultMode);
    }

    /** Rewrites configMap and secret volumes from the current objects, as kubelet's periodic sync does. */
    refresh(): void {
        for (const entry of this.prepared.values()) {
            if (!entry.atomic) continue;
            const files = this.projected(entry.volume);
            if (typeof files !== "string") entry.atomic.write(files, this.fsGroup);
        }
    }

    /** Host paths to bind for a container's volumeMounts, parents before children. */
    mountsFor(volumeMounts: VolumeMount[] | undefined): MountPlan[] {
        const plans = (volumeMounts ?? []).map((mount) => {
            const entry = this.prepared.get(mount.name);
            if (!entry) throw new Error(`volume ${mount.name} is not prepared`);
            let source = entry.dir;
            if (mount.subPath) {
                source = path.join(entry.dir, mount.subPath);
                if (entry.atomic) {
                    // kubelet binds the resolved file, so later configMap updates do not reach subPath mounts.
                    source = fs.realpathSync(source);
                } else if (!fs.existsSync(source)) {
                    const root = fs.statSync(entry.dir);
                    fs.mkdirSync(source, { recursive: true, mode: root.mode & 0o7777 });
                    fs.chmodSync(source, root.mode & 0o7777);
                    fs.chownSync(source, 0, root.gid);
                }
            }
            return { source, target: mount.mountPath, readOnly: entry.readOnly || mount.readOnly === true };
        });
        return plans.sort((a, b) => a.target.split("/").length - b.target.split("/").length);
    }

    /** Drops the pod's volumes: emptyDirs and projections are gone, claims are released. */
    async teardown(): Promise<void> {
        for (const entry of this.prepared.values()) {
            if (entry.tmpfs) await run("umount", ["-l", entry.dir]).catch(() => undefined);
        }
        this.prepared.clear();
        this.claims.release(this.podUid);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
