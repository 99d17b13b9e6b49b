import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Loose } from "../../support/loose";
import { Cluster, CLUSTER_STATE, PROTECTED_NODE } from "./cluster";
import { waitFor } from "./wait";

/** The cgroup v1 freezer hierarchy of the cluster (tools/cluster/README.md: cgroups). */
const FREEZER = "/sys/fs/cgroup/freezer/kubernetes-redis";
/** Prefix of the iptables chain each Faults instance owns in the host namespace. */
export const CHAIN_PREFIX = "KR-E2E-";
/** The host sees node traffic in all three; in a node, FORWARD and INPUT see every packet to or from its pods (OUTPUT is left alone: a drop there is an error for the sender, not silence). */
const HOOKS = { host: ["INPUT", "FORWARD", "OUTPUT"], node: ["FORWARD", "INPUT"] } as const;

/** Who a partition cuts off: a whole node (its address and pod CIDR), one pod, or an address range. */
export type Target = { node: string } | { pod: { namespace: string; name: string } } | { cidr: string };

export interface Partition {
    heal(): void;
}

/** Where iptables rules go: the host namespace (where every node's traffic meets) or a node's namespace. */
type Netns = "host" | { node: string };

function iptablesArgv(netns: Netns, args: string[]): [string, string[]] {
    if (netns === "host") {
        return ["iptables", ["-w", "5", ...args]];
    }
    // The node's mount namespace too, so that iptables takes the node's own xtables lock, as kube-proxy does.
    return ["nsenter", ["-t", String(nodeHolderPid(netns.node)), "-n", "-m", "--", "iptables", "-w", "5", ...args]];
}

function iptables(netns: Netns, ...args: string[]): void {
    const [command, argv] = iptablesArgv(netns, args);
    execFileSync(command, argv, { stdio: ["ignore", "ignore", "pipe"] });
}

function iptablesHas(netns: Netns, ...args: string[]): boolean {
    const [command, argv] = iptablesArgv(netns, ["-C", ...args]);
    try {
        execFileSync(command, argv, { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** Removes a chain of this harness: the jumps to it from the hooks, its rules, then the chain itself. */
function removeChain(netns: Netns, chain: string): void {
    for (const hook of netns === "host" ? HOOKS.host : HOOKS.node) {
        while (iptablesHas(netns, hook, "-j", chain)) {
            iptables(netns, "-D", hook, "-j", chain);
        }
    }
    iptables(netns, "-F", chain);
    iptables(netns, "-X", chain);
}

/**
 * Removes the host's chains of earlier runs whose process has ended without undoing its faults
 * (killed mid-run). A node's chains go with the node's namespace when the cluster stops; the host
 * namespace stays. Chains of runs still alive are theirs.
 */
function removeChainsOfEndedRuns(): void {
    const [command, argv] = iptablesArgv("host", ["-S"]);
    for (const line of execFileSync(command, argv, { encoding: "utf8" }).split("\n")) {
        const owner = new RegExp(`^-N (${CHAIN_PREFIX}(\\d+))$`).exec(line);
        if (owner && !fs.existsSync(`/proc/${owner[2]}`)) {
            removeChain("host", owner[1]);
            console.log(`removed iptables chain ${owner[1]} of an ended run`);
        }
    }
}

function netnsName(netns: Netns): string {
    return netns === "host" ? "host" : netns.node;
}

function freezerState(cgroup: string): string {
    return fs.readFileSync(path.join(cgroup, "freezer.state"), "utf8").trim();
}

/** Freezes (or thaws) a freezer cgroup and waits until the kernel says it is done. */
async function setFrozen(cgroup: string, frozen: boolean): Promise<void> {
    const want = frozen ? "FROZEN" : "THAWED";
    fs.writeFileSync(path.join(cgroup, "freezer.state"), want);
    await waitFor(() => freezerState(cgroup) === want, 15000, `${cgroup} ${want}`, 50);
}

/** The namespace holder process of a node: its PID file is `<state>/pids/<node>` ("PID STARTTIME"). */
export function nodeHolderPid(node: string): number {
    return Number(
        fs
            .readFileSync(path.join(CLUSTER_STATE, "pids", node), "utf8")
            .trim()
            .split(/\s+/)[0],
    );
}

/** Runs argv in a node's mount namespace (its /var/lib, /run are the node's own). */
export function inNodeMounts(node: string, argv: string[]): string {
    return execFileSync("nsenter", ["-t", String(nodeHolderPid(node)), "-m", "--", ...argv], { encoding: "utf8" });
}

/**
 * Makes a directory inside a node's mount namespace (for a static local volume), owned by
 * uid:gid, and returns what removes it again: call that once the pods that mount it are gone
 * (removed under a running server, its working directory vanishes, and every exec into its
 * containers fails). The directory must not exist yet, so that the removal takes only what this
 * made (on the protected node too, whose other directories the harness never touches).
 */
export function makeNodeDirectory(node: string, directory: string, owner = "999:999"): () => void {
    const exists = (dir: string) => {
        try {
            inNodeMounts(node, ["test", "-e", dir]);
            return true;
        } catch {
            return false;
        }
    };
    if (exists(directory)) {
        throw new Error(`${node}:${directory} exists already: the harness only removes directories it created`);
    }
    // The topmost directory this call creates is the one the removal takes.
    let created = directory;
    for (let dir = path.dirname(directory); dir !== path.dirname(dir) && !exists(dir); dir = path.dirname(dir)) {
        created = dir;
    }
    inNodeMounts(node, ["mkdir", "-p", directory]);
    inNodeMounts(node, ["chown", owner, directory]);
    return () => void inNodeMounts(node, ["rm", "-rf", "--one-file-system", created]);
}

/** The PIDs in a cgroup directory (cgroup v1 procs file). */
function cgroupProcs(cgroup: string): number[] {
    return fs.readFileSync(path.join(cgroup, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
}

/** When a process started, in clock ticks since boot (/proc/<pid>/stat, field 22). */
function startTime(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

/**
 * What undoes a fault done to the process `pid`: runs `action` once at most, and only while that
 * process still runs (the same PID and start time: a PID is reused after a restart).
 */
function undoOnce(pid: number, action: () => void): () => void {
    const started = startTime(pid);
    let done = false;
    return () => {
        if (!done && fs.existsSync(`/proc/${pid}/stat`) && startTime(pid) === started) {
            action();
        }
        done = true;
    };
}

function parentPid(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

/** Finds a directory by name under root, breadth-first, a few levels deep. */
function findDirectory(root: string, name: string, depth = 4): string | undefined {
    let level = [root];
    for (let i = 0; i < depth && level.length > 0; i++) {
        const next: string[] = [];
        for (const dir of level) {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                if (entry.isDirectory()) {
                    if (entry.name === name) {
                        return path.join(dir, entry.name);
                    }
                    next.push(path.join(dir, entry.name));
                }
            }
        }
        level = next;
    }
    return undefined;
}

/**
 * Faults as production has them, each undone by `undoAll` (call it in `after`/`finally`), in
 * reverse order, even when a test failed half-way. Nothing is left behind: iptables rules live
 * in one chain of this instance's own, frozen cgroups are thawed, node directories removed.
 */
export class Faults {
    private readonly undo: { what: string; run: () => void | Promise<void> }[] = [];
    private readonly chain = `${CHAIN_PREFIX}${process.pid}`;
    /** The namespaces where this instance's chain exists. */
    private readonly chains = new Set<string>();
    /** How many times restartCluster booted the nodes again (in new network namespaces). */
    private boots = 0;

    constructor(private readonly cluster: Cluster) {
        removeChainsOfEndedRuns();
    }

    private onUndo(what: string, run: () => void | Promise<void>): void {
        this.undo.push({ what, run });
    }

    /** Undoes every fault still in place, newest first. Throws one error naming every failure. */
    async undoAll(): Promise<void> {
        const failures: string[] = [];
        while (this.undo.length > 0) {
            const step = this.undo.pop() as { what: string; run: () => void | Promise<void> };
            try {
                await step.run();
            } catch (error) {
                failures.push(`${step.what}: ${(error as Error).message}`);
            }
        }
        if (failures.length > 0) {
            throw new Error(`undoing faults failed:\n${failures.join("\n")}`);
        }
    }

    // ---- containers ----

    /** The container's cgroup in the node's freezer hierarchy, and its node. */
    async containerCgroup(namespace: string, pod: string, container: string): Promise<{ cgroup: string; node: string; id: string }> {
        const object = await this.cluster.pod(namespace, pod);
        // A sidecar is an init container that keeps running (restartPolicy Always).
        const statuses = [...(object?.status?.containerStatuses ?? []), ...(object?.status?.initContainerStatuses ?? [])];
        const status = statuses.find((c: Loose) => c.name === container);
        const id = String(status?.containerID ?? "").replace(/^containerd:\/\//, "");
        const node = object?.spec?.nodeName;
        if (!id || !node || !status?.state?.running) {
            throw new Error(`container ${container} of ${namespace}/${pod} is not running`);
        }
        const cgroup = findDirectory(path.join(FREEZER, node, "kubepods"), id);
        if (!cgroup) {
            throw new Error(`no cgroup of container ${id} on ${node}`);
        }
        return { cgroup, node, id };
    }

    /** The container's main process (host PID): the one process of its cgroup whose parent is outside it (the shim's child). */
    async containerMainPid(namespace: string, pod: string, container: string): Promise<number> {
        const { cgroup } = await this.containerCgroup(namespace, pod, container);
        const procs = cgroupProcs(cgroup);
        // Exec'd processes (probes, hooks) also have their parent outside the cgroup: the main
        // process is the oldest of those. A probe can end while it is looked at: it is skipped.
        const started = new Map<number, number>();
        for (const pid of procs) {
            try {
                if (!procs.includes(parentPid(pid))) {
                    started.set(pid, startTime(pid));
                }
            } catch {
                // ended since cgroup.procs was read
            }
        }
        if (started.size === 0) {
            throw new Error(`container ${container} of ${namespace}/${pod}: no process`);
        }
        return [...started].reduce((oldest, entry) => (entry[1] < oldest[1] ? entry : oldest))[0];
    }

    /** Crashes a container: SIGKILL to its main process, inside the node, as an OOM kill or a segfault would end it. */
    async crashContainer(namespace: string, pod: string, container: string): Promise<number> {
        const pid = await this.containerMainPid(namespace, pod, container);
        process.kill(pid, "SIGKILL");
        return pid;
    }

    /**
     * Hangs a container's main process (SIGSTOP): it stops answering while its sockets stay open
     * and the kernel still accepts connections, as a stuck server does; the container stays
     * "running" for the runtime, so exec probes run and time out. Undone with SIGCONT.
     */
    async hangContainer(namespace: string, pod: string, container: string): Promise<{ resume: () => void }> {
        return this.hangContainerOn(namespace, pod, container, Promise.resolve());
    }

    /**
     * `hangContainer` the moment `when` resolves: the process is found first, so that the signal
     * follows the event within milliseconds.
     */
    async hangContainerOn(namespace: string, pod: string, container: string, when: Promise<unknown>): Promise<{ resume: () => void }> {
        const pid = await this.containerMainPid(namespace, pod, container);
        const resume = undoOnce(pid, () => process.kill(pid, "SIGCONT"));
        this.onUndo(`SIGCONT ${pid}`, resume);
        await when;
        process.kill(pid, "SIGSTOP");
        return { resume };
    }

    /**
     * Freezes every process of a container (cgroup freezer), as `docker pause` or `ctr task pause`
     * do: it stops answering, its sockets stay open. runc then sees the container as paused and
     * refuses to exec in it, so exec probes error (a result the kubelet does not count as a failure).
     */
    async freezeContainer(namespace: string, pod: string, container: string): Promise<{ thaw: () => Promise<void> }> {
        const { cgroup } = await this.containerCgroup(namespace, pod, container);
        let thawed = false;
        const thaw = async () => {
            if (!thawed && fs.existsSync(cgroup)) {
                await setFrozen(cgroup, false);
            }
            thawed = true;
        };
        this.onUndo(`thaw ${cgroup}`, thaw);
        await setFrozen(cgroup, true);
        return { thaw };
    }

    /**
     * Makes every name lookup of one container fail at once, as a DNS server that refuses or a
     * lost answer makes a name that /etc/hosts does not list fail (the other containers of its
     * pod still resolve): inside the container's own mount and PID namespaces, /dev/null is
     * mounted over /etc/hosts (where a pod of mode sentinel finds its peers) and over
     * /etc/resolv.conf. The resolver (glibc reads both again when they change) then finds no
     * entry, asks 127.0.0.1, where nothing listens in the pod, and gets a refusal. Undone by
     * unmounting them; a restart of the container undoes it too (a new container, a new mount
     * namespace).
     */
    async breakLookups(namespace: string, pod: string, container: string): Promise<{ restore: () => void }> {
        const pid = await this.containerMainPid(namespace, pod, container);
        const inMounts = (...argv: string[]) =>
            execFileSync("nsenter", ["-t", String(pid), "-m", "-p", "--", ...argv], { stdio: ["ignore", "ignore", "pipe"] });
        const files = ["/etc/hosts", "/etc/resolv.conf"];
        const restore = undoOnce(pid, () => files.forEach((file) => inMounts("umount", file)));
        this.onUndo(`restore the lookups of ${namespace}/${pod}/${container}`, restore);
        for (const file of files) {
            inMounts("mount", "--bind", "/dev/null", file);
        }
        return { restore };
    }

    // ---- the whole cluster ----

    /**
     * Restarts the whole cluster as a power cut and a boot would (`Cluster.restart`). The nodes
     * come back in new network namespaces: the partitions in place inside them are gone, as a
     * rebooted machine's firewall rules are; those of the host stay.
     */
    async restartCluster(): Promise<void> {
        await this.cluster.restart();
        this.boots++;
        for (const name of [...this.chains]) {
            if (name !== "host") {
                this.chains.delete(name);
            }
        }
    }

    // ---- networks ----

    private ensureChain(netns: Netns): void {
        const name = netnsName(netns);
        if (this.chains.has(name)) {
            return;
        }
        iptables(netns, "-N", this.chain);
        this.chains.add(name);
        const boot = this.boots;
        // Registered first, so it runs last: after every rule of the chain is gone.
        this.undo.unshift({
            what: `remove iptables chain ${this.chain} in ${name}`,
            run: () => {
                // A node's chain went with its namespace when the cluster restarted.
                if (netns === "host" || boot === this.boots) {
                    removeChain(netns, this.chain);
                }
                this.chains.delete(name);
            },
        });
        for (const hook of netns === "host" ? HOOKS.host : HOOKS.node) {
            iptables(netns, "-I", hook, "1", "-j", this.chain);
        }
    }

    /** Adds DROP rules to this instance's chain in a namespace; the returned function removes exactly them. */
    private drop(netns: Netns, rules: string[][]): () => void {
        this.ensureChain(netns);
        for (const rule of rules) {
            iptables(netns, "-A", this.chain, ...rule, "-j", "DROP");
        }
        let removed = false;
        return () => {
            if (removed) {
                return;
            }
            for (const rule of rules) {
                while (iptablesHas(netns, this.chain, ...rule, "-j", "DROP")) {
                    iptables(netns, "-D", this.chain, ...rule, "-j", "DROP");
                }
            }
            removed = true;
        };
    }

    /** The address ranges of a target. */
    async cidrsOf(target: Target): Promise<string[]> {
        if ("cidr" in target) {
            return [target.cidr];
        }
        if ("pod" in target) {
            return [`${await this.cluster.podIP(target.pod.namespace, target.pod.name)}/32`];
        }
        const node = await this.cluster.node(target.node);
        const address = node.status.addresses.find((a: Loose) => a.type === "InternalIP").address;
        return [`${address}/32`, node.spec.podCIDR];
    }

    /**
     * Drops every IP packet from `from` to `to` (and back, unless `oneWay`): the senders see
     * silence, not errors. The rules go into the host namespace, where all traffic between nodes
     * meets (on the bridge, with bridge netfilter on), and, for a pod, into its node's namespace,
     * whose FORWARD chain every packet to or from the pod crosses (after kube-proxy's DNAT, so a
     * ClusterIP is cut as its endpoints are). DNS is cut when a side holds the CoreDNS pods.
     */
    async partition(from: Target[], to: Target[], options: { oneWay?: boolean } = {}): Promise<Partition> {
        const sources = (await Promise.all(from.map((t) => this.cidrsOf(t)))).flat();
        const destinations = (await Promise.all(to.map((t) => this.cidrsOf(t)))).flat();
        const rules: string[][] = [];
        for (const s of sources) {
            for (const d of destinations) {
                rules.push(["-s", s, "-d", d]);
                if (!options.oneWay) {
                    rules.push(["-s", d, "-d", s]);
                }
            }
        }
        // Rules go into the host and into the nodes of the pods, never into the protected node: a
        // pod there is cut off by the rules on the nodes of the pods it is partitioned from.
        const podNodes = new Set<string>();
        const protectedSides = { from: false, to: false };
        for (const [side, targets] of [
            ["from", from],
            ["to", to],
        ] as const) {
            for (const target of targets) {
                if ("pod" in target) {
                    const node = await this.cluster.podNode(target.pod.namespace, target.pod.name);
                    if (node === PROTECTED_NODE) {
                        protectedSides[side] = true;
                    } else {
                        podNodes.add(node);
                    }
                }
            }
        }
        if (protectedSides.from && protectedSides.to) {
            throw new Error(
                `pods on ${PROTECTED_NODE}, which the harness never changes, are on both sides of the partition: schedule them elsewhere`,
            );
        }
        const heals = [this.drop("host", rules), ...[...podNodes].map((node) => this.drop({ node }, rules))];
        const heal = () => heals.forEach((h) => h());
        this.onUndo(`heal partition ${JSON.stringify({ from, to })}`, heal);
        return { heal };
    }

    // ---- nodes ----

    /**
     * Loses a node as a machine that dies: every IP packet to or from it (its address and its
     * pods') is dropped, then every process of the node (containerd, kubelet, kube-proxy, shims,
     * containers) is frozen. ARP still answers (the node's kernel runs), so peers see silence, as
     * they would from a dead machine behind a cloud network, not "no route to host".
     */
    async loseNode(node: string): Promise<{ restore: () => Promise<void> }> {
        if (node === PROTECTED_NODE) {
            throw new Error(`${PROTECTED_NODE} holds other users' volumes: the harness never faults it`);
        }
        const cidrs = await this.cidrsOf({ node });
        const undrop = this.drop(
            "host",
            cidrs.flatMap((cidr) => [
                ["-s", cidr],
                ["-d", cidr],
            ]),
        );
        const cgroup = path.join(FREEZER, node);
        let restored = false;
        const restore = async () => {
            if (restored) {
                return;
            }
            await setFrozen(cgroup, false);
            undrop();
            restored = true;
        };
        this.onUndo(`restore node ${node}`, restore);
        await setFrozen(cgroup, true);
        return { restore };
    }

    /** The out-of-service taint: an operator's statement that the node is down, which lets Kubernetes delete its pods and detach volumes. */
    async taintOutOfService(node: string): Promise<void> {
        const taint = { key: "node.kubernetes.io/out-of-service", value: "nodeshutdown", effect: "NoExecute" };
        const taints = ((await this.cluster.node(node)).spec.taints ?? []).filter((t: Loose) => t.key !== taint.key);
        await this.cluster.api.patch("Node", undefined, node, { spec: { taints: [...taints, taint] } });
        this.onUndo(`untaint ${node}`, async () => {
            const now = ((await this.cluster.node(node)).spec.taints ?? []).filter((t: Loose) => t.key !== taint.key);
            await this.cluster.api.patch("Node", undefined, node, { spec: { taints: now.length > 0 ? now : null } });
        });
    }
}

/** What a run may have left on the machine: e2e iptables chains, frozen cgroups. Empty when clean. */
export function faultLeftovers(): string[] {
    const found: string[] = [];
    const nodes = fs.readdirSync(path.join(CLUSTER_STATE, "pids")).filter((f) => /^kr-node-\d+$/.test(f));
    for (const netns of ["host", ...nodes.map((node) => ({ node }))] as Netns[]) {
        const [command, argv] = iptablesArgv(netns, ["-S"]);
        let rules: string;
        try {
            rules = execFileSync(command, argv, { encoding: "utf8" });
        } catch {
            continue; // a node that is not running has no namespace
        }
        for (const line of rules.split("\n")) {
            if (line.includes(CHAIN_PREFIX)) {
                found.push(`iptables (${netnsName(netns)}): ${line}`);
            }
        }
    }
    const walk = (dir: string, depth: number) => {
        if (
            fs.existsSync(path.join(dir, "freezer.self_freezing")) &&
            fs.readFileSync(path.join(dir, "freezer.self_freezing"), "utf8").trim() === "1"
        ) {
            found.push(`frozen cgroup: ${dir}`);
        }
        if (depth > 0) {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                if (entry.isDirectory()) {
                    walk(path.join(dir, entry.name), depth - 1);
                }
            }
        }
    };
    if (fs.existsSync(FREEZER)) {
        walk(FREEZER, 5);
    }
    return found;
}
