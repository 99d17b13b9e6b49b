import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import Redis from "ioredis";
import { requireCluster } from "../support/cluster";
import {
    Cluster,
    directClient,
    FaultResult,
    faultLeftovers,
    Faults,
    IMAGES,
    KUBECONFIG,
    measure,
    measurements,
    PROTECTED_NODE,
    replicationOf,
    secondsSince,
    SentinelDeployment,
    sentinelMaster,
    sentinelView,
    waitFor,
} from "./harness";

/**
 * Mode sentinel on the real local cluster: three pods (a server and a Sentinel each) on three
 * nodes, faults as production has them, Sentinel-aware ioredis clients writing throughout (one
 * confirms each write with WAIT 1, one with WAITAOF 1 1, one writes plainly). Each case ends with
 * exactly one master, every replica replicating from it and in sync, every Sentinel naming it and
 * seeing every other pod, and every write that WAIT 1 or WAITAOF 1 1 acknowledged present on every
 * server (after a power cut, the WAITAOF ones: see `FaultOptions`); what the clients saw is
 * measured.
 */
const NAMESPACE = `kr-e2e-ha-${process.pid % 100000}`;
const NAME = "ha";
const IMAGE = "localhost/kubernetes-redis/redis:8.0.2-trixie";

/** One line per measured figure of a fault. */
function report(result: FaultResult): void {
    const { label } = result;
    measure(`${label}: longest pause between acknowledged WAIT writes (s)`, Math.round(result.pauseMs / 100) / 10);
    measure(`${label}: whole again after (s)`, Math.round(result.healthyAfterMs / 100) / 10);
    measure(`${label}: failed commands (WAIT writer / plain writer)`, `${result.failedWaitWrites} / ${result.failedPlainWrites}`);
    measure(`${label}: master before -> after`, `${result.masterBefore} -> ${result.masterAfter}`);
    measure(`${label}: acknowledged plain writes lost`, `${result.lostPlainWrites} of ${result.acknowledgedPlainWrites}`);
    measure(`${label}: WAITAOF-acknowledged writes (all present)`, result.acknowledgedFsyncedWrites);
    if (result.lostWaitWrites !== undefined) {
        measure(`${label}: WAIT-acknowledged writes lost`, `${result.lostWaitWrites} of ${result.acknowledgedWaitWrites}`);
    }
    measure(
        `${label}: longest pause of a plain client writing through the primary Service (s)`,
        Math.round(result.primaryPauseMs / 100) / 10,
    );
    if (Object.keys(result.primaryErrors).length > 0) {
        measure(`${label}: what that client saw instead of OK`, JSON.stringify(result.primaryErrors));
    }
    if (result.abandonedElections > 0) {
        measure(`${label}: failover attempts the Sentinels abandoned unelected (split votes)`, result.abandonedElections);
    }
    if (result.clientRestarts > 0) {
        measure(`${label}: client connections ended by ioredis and opened again`, result.clientRestarts);
    }
    if (Object.keys(result.errors).length > 0) {
        measure(`${label}: errors the clients saw`, JSON.stringify(result.errors));
    }
}

/** The master's container killed (SIGKILL), with either engine. */
async function crashCase(ha: SentinelDeployment, label: string): Promise<void> {
    report(
        await ha.throughFault(label, async (master) => {
            const at = Date.now();
            await ha.faults.crashContainer(ha.namespace, master, "redis");
            return at;
        }),
    );
}

/** The master's pod deleted gracefully (the planned handover), with either engine: no write fails or is lost. */
async function handoverCase(ha: SentinelDeployment, label: string): Promise<void> {
    const result = await ha.throughFault(label, async (master) => {
        const at = Date.now();
        await ha.cluster.deletePod(ha.namespace, master);
        return at;
    });
    report(result);
    assert.equal(result.failedPlainWrites, 0, "a client that resends saw no failed write");
    assert.equal(result.lostPlainWrites, 0, "a planned handover loses no acknowledged write");
}

/** Sets `replica-priority` of `pod`'s server: 200 makes it the least eligible for promotion, 100 as eligible as every other. */
/**
 * Sets a server's replica-priority and, while it is a replica, waits until every Sentinel that
 * answers has read it: a handover chooses the replica to promote from a Sentinel's view, which is
 * up to an info-period old.
 */
async function setReplicaPriority(ha: SentinelDeployment, pod: string, priority: number): Promise<void> {
    const ips = await ha.podIPs();
    const server = directClient(ips[pod], ha.password);
    try {
        await server.config("SET", "replica-priority", String(priority));
    } finally {
        server.disconnect();
    }
    if ((await replicationOf(ips[pod], ha.password)).role !== "slave") {
        return;
    }
    await waitFor(
        async () => {
            for (const sentinel of ha.pods()) {
                const view = await sentinelView(ips[sentinel], ha.password, NAME).catch(() => undefined);
                const seen = view?.replicas.find((replica) => replica.ip === ha.hostOf(pod));
                if (view && seen?.["slave-priority"] !== String(priority)) {
                    return false;
                }
            }
            return true;
        },
        10000,
        `every Sentinel reading ${pod}'s replica-priority ${priority}`,
    );
}

/** One replica's Sentinel that resolves no name, beside the master (see `blindSentinelBeside`). */
interface BlindSentinel {
    /** The replica the Sentinels promote. */
    promoted: string;
    /** The other replica, whose Sentinel resolves no name. */
    blind: string;
    restoreLookups(): void;
    /** Resolves once the promoted replica's Sentinel names it the master. */
    promotion(): Promise<void>;
    /** Makes the blind pod's server as eligible for promotion as every other again. */
    restoreEligibility(): Promise<void>;
}

/**
 * Makes one replica's Sentinel refuse every lookup (`Faults.breakLookups`), and that replica the
 * least eligible for promotion (replica-priority 200), so that the Sentinels promote the other
 * one. At the next failover the blind Sentinel misses the new master's name and keeps the old
 * master; it would make the new master a replica of the old one 2 s after the promotion, were the
 * old master still reporting the role master (see successor in scripts/lib/sentinel.sh).
 */
async function blindSentinelBeside(ha: SentinelDeployment, master: string): Promise<BlindSentinel> {
    const [promoted, blind] = ha.pods().filter((pod) => pod !== master);
    const setPriority = (priority: number) => setReplicaPriority(ha, blind, priority);
    await setPriority(200);
    const promotedIP = (await ha.podIPs())[promoted];
    const promotion = () =>
        waitFor(
            async () => (await sentinelMaster(promotedIP, ha.password, NAME)) === ha.hostOf(promoted),
            60000,
            `the Sentinels naming ${promoted}`,
        ).then(() => undefined);
    const { restore } = await ha.faults.breakLookups(ha.namespace, blind, "sentinel");
    return { promoted, blind, restoreLookups: restore, promotion, restoreEligibility: () => setPriority(100) };
}

/** The blind Sentinel missed names since `at`, and no Sentinel turned the promoted server back into a replica. */
function assertNotTurnedBack(ha: SentinelDeployment, label: string, { promoted, blind }: BlindSentinel, at: number): void {
    const failedLookups = ha.countLogLines("sentinel", "Failed to resolve hostname", at);
    measure(`${label}: lookups the Sentinels failed`, failedLookups);
    assert.ok(failedLookups > 0, `${blind}'s Sentinel failed to resolve the new master's name`);
    const turnedBack = new RegExp(`\\+convert-to-slave slave ${ha.hostOf(promoted).replace(/\./g, "\\.")}\\b`);
    assert.equal(ha.countLogLines("sentinel", turnedBack, at), 0, `no Sentinel turned ${promoted}, the new master, back into a replica`);
}

describe("mode sentinel on the local cluster", function () {
    this.timeout(900000);
    let cluster: Cluster;
    let faults: Faults;
    let ha: SentinelDeployment;
    const suiteStart = Date.now();

    before(async function () {
        await requireCluster(this);
        cluster = new Cluster();
        faults = new Faults(cluster);
        ha = new SentinelDeployment(cluster, faults, NAMESPACE, NAME, IMAGE);
        measure("sentinel: deploy to whole (s)", Math.round((await ha.deploy()) / 100) / 10);
    });

    /** On a failure: what the role decisions and the Sentinels did, from the pods' logs. */
    afterEach(async function () {
        if (this.currentTest?.state === "failed" && ha) {
            console.log(await ha.failureReport());
            await ha.recoverFromFailure();
        }
    });

    after(async function () {
        if (!cluster) {
            return;
        }
        if (process.env.KR_E2E_KEEP) {
            console.log(`KR_E2E_KEEP: namespace ${NAMESPACE} and its volumes kept for inspection`);
            cluster.close();
            return;
        }
        try {
            await faults.undoAll();
        } finally {
            await ha.remove();
            cluster.close();
            assert.deepEqual(faultLeftovers(), []);
            measure("sentinel suite wall time (s)", secondsSince(suiteStart));
            console.log(JSON.stringify(measurements, null, 2));
        }
    });

    it("starts one master and two replicas on three nodes, every Sentinel naming the master", async () => {
        const master = await ha.healthy();
        assert.equal(master, `${NAME}-0`, "a new deployment's master is the first pod");
        const nodes = new Set<string>();
        for (const pod of ha.pods()) {
            nodes.add(await cluster.podNode(NAMESPACE, pod));
        }
        assert.equal(nodes.size, 3, "the pods are on three nodes");
        assert.ok(await cluster.api.find("PodDisruptionBudget", NAMESPACE, NAME), "the PodDisruptionBudget exists");
        // The labelers' service account may read and label these pods, and nothing else.
        const can = (verb: string, resource: string) =>
            spawnSync(
                cluster.kubectl,
                [
                    "--kubeconfig",
                    KUBECONFIG,
                    "-n",
                    NAMESPACE,
                    "auth",
                    "can-i",
                    verb,
                    resource,
                    `--as=system:serviceaccount:${NAMESPACE}:${NAME}`,
                ],
                { encoding: "utf8" },
            ).stdout.trim();
        assert.deepEqual(
            [can("patch", `pods/${NAME}-0`), can("get", `pods/${NAME}-2`), can("patch", "pods/primary-writer"), can("list", "pods")],
            ["yes", "yes", "no", "no"],
        );
        assert.deepEqual(
            [can("get", `secrets/${NAME}-auth`), can("delete", `pods/${NAME}-0`), can("patch", "services/ha-primary")],
            ["no", "no", "no"],
        );
    });

    it("fails over when the master's container crashes, losing no acknowledged write", () => crashCase(ha, "crash"));

    it("hands the master over before a graceful delete: writes pause, none fails", () => handoverCase(ha, "graceful delete"));

    it("hands the master over while a replica's Sentinel resolves no name, and that Sentinel never turns the new master back into a replica", async () => {
        let at = 0;
        let blind: BlindSentinel | undefined;
        const result = await ha.throughFault("handover, a Sentinel resolving no name", async (master) => {
            blind = await blindSentinelBeside(ha, master);
            const oldUid = (await cluster.pod(NAMESPACE, master))?.metadata.uid;
            at = Date.now();
            await cluster.deletePod(NAMESPACE, master);
            await blind.promotion();
            // Lookups come back once the old master's pod runs again: seconds after the promotion.
            await waitFor(
                async () => {
                    const pod = await cluster.pod(NAMESPACE, master);
                    return pod !== undefined && pod.metadata.uid !== oldUid && pod.status?.phase === "Running";
                },
                120000,
                `${master} recreated`,
            );
            blind.restoreLookups();
            return at;
        });
        report(result);
        assertNotTurnedBack(ha, result.label, blind as BlindSentinel, at);
        assert.equal(result.failedPlainWrites, 0, "a client that resends saw no failed write");
        assert.equal(result.lostPlainWrites, 0, "a planned handover loses no acknowledged write");
        await (blind as BlindSentinel).restoreEligibility();
    });

    it("asks again when the replica the Sentinel promotes stops before it is seen taking over, and hands the master over", async () => {
        // As in a scale-down that also rolls the pods: the StatefulSet controller stops a replica
        // at the moment the master hands over, the Sentinel promotes it, and gives the failover up
        // a failover-timeout later. Here the promoted replica hangs the moment it runs as the
        // master, before the Sentinel's next INFO of it, and is resumed once the handover is done.
        let at = 0;
        let other = "";
        let resume: (() => void) | undefined;
        const result = await ha.throughFault("handover, the promoted replica stopping", async (master) => {
            const [candidate, second] = ha.pods().filter((pod) => pod !== master);
            other = second;
            const ips = await ha.podIPs();
            await setReplicaPriority(ha, other, 200);
            // The promotion's transaction ends with CLIENT KILL TYPE normal: this connection closes
            // the moment the candidate runs as the master.
            const watcher = directClient(ips[candidate], ha.password, 6379, false);
            await watcher.connect();
            const promoted = new Promise((resolve, reject) => {
                watcher.once("close", resolve);
                setTimeout(() => reject(new Error(`${candidate} was not promoted within 30 s`)), 30000).unref();
            });
            at = Date.now();
            await cluster.deletePod(NAMESPACE, master);
            ({ resume } = await faults.hangContainerOn(NAMESPACE, candidate, "redis", promoted));
            await waitFor(
                async () => (await sentinelMaster(ips[other], ha.password, NAME)) === ha.hostOf(other),
                60000,
                `the Sentinels naming ${other}`,
            );
            resume();
            return at;
        });
        report(result);
        await setReplicaPriority(ha, other, 100);
        const handover = ha.recordedLines("redis", /^pre-stop: /, at);
        assert.ok(
            handover.some((line) => /abandoned the failover .* asked again: .*OK/.test(line)),
            `the stopping master asked again once the Sentinel gave the failover up:\n${handover.join("\n")}`,
        );
        assert.ok(
            handover.some((line) => line.includes(`the Sentinels name ${ha.hostOf(other)} the master`)),
            `the handover ended with ${other} the master:\n${handover.join("\n")}`,
        );
    });

    it("rolls a configuration change through the pods one at a time, handing the master over before it stops: none fails", async () => {
        const result = await ha.throughFault("rolling update", async () => {
            return ha.update({ config: { "slowlog-log-slower-than": "20000" } });
        });
        report(result);
        const revision = (await cluster.api.get("StatefulSet", NAMESPACE, NAME)).status.updateRevision;
        for (const pod of ha.pods()) {
            const object = await cluster.pod(NAMESPACE, pod);
            assert.equal(object?.metadata.labels["controller-revision-hash"], revision, `${pod} runs the new revision`);
        }
        assert.equal(result.failedPlainWrites, 0, "a client that resends saw no failed write");
        assert.equal(result.lostPlainWrites, 0, "a planned handover loses no acknowledged write");
    });

    it("grows from 3 to 5 pods and shrinks back to 3 while clients write, every Sentinel agreeing at each size", async () => {
        for (const replicas of [5, 3]) {
            let at = 0;
            const result = await ha.throughFault(`scale to ${replicas}`, async () => (at = await ha.update({ replicas })));
            report(result);
            // Reported: a fence that detaches a replica from a master that still answers costs a
            // resynchronisation, a full one once the replication backlog has moved on.
            measure(`scale to ${replicas}: replicas the fences detached`, ha.fenceDetachments(at));
            if (result.failedPlainWrites > 0) {
                // Reported, not yet asserted: what the pods did, for the record.
                console.log(`scale to ${replicas}: ${result.failedPlainWrites} failed writes; every pod's logs:\n${ha.logs()}`);
            }
        }
        assert.deepEqual(
            (await cluster.api.list("Pod", NAMESPACE, `app.kubernetes.io/instance=${NAME}`)).map((pod) => pod.metadata.name).sort(),
            ha.pods(),
        );
        assert.equal(await cluster.api.find("Service", NAMESPACE, `${NAME}-3`), undefined, "a removed pod's Service is deleted with it");
    });

    it("fails over when the master's pod is force-deleted, no replica detaching from the old master while it still streams", async () => {
        // The pod's Service leads to its successor at once, while the old server runs on until
        // SIGTERM's shutdown ends: a fence that took the Service's silence for the master's would
        // detach the replicas one after another, each with a different share of the confirmed writes.
        let at = 0;
        const result = await ha.throughFault("force delete", async (master) => {
            at = Date.now();
            await cluster.forceDeletePod(NAMESPACE, master);
            return at;
        });
        report(result);
        const lastConfirmed = result.lastWaitAcknowledgedAt[result.masterBefore] ?? 0;
        assert.deepEqual(
            ha
                .detachmentsFrom(result.masterBefore, at)
                .filter((detachment) => detachment.at < lastConfirmed)
                .map((detachment) => `${detachment.at - at} ms: ${detachment.line}`),
            [],
            `a replica detached from ${result.masterBefore}, which confirmed writes until ${lastConfirmed - at} ms after the fault`,
        );
    });

    it("recovers when the master is frozen (SIGSTOP) past down-after, then thawed the moment a Sentinel names a new master", async () => {
        // Thawed then, the old master resumes before the Sentinels have pointed every replica at
        // the promoted one: only the fence keeps a replica from confirming its writes.
        let at = 0;
        report(
            await ha.throughFault("freeze", async (master) => {
                at = Date.now();
                const { resume } = await faults.hangContainer(NAMESPACE, master, "redis");
                const ips = await ha.podIPs();
                const other = ha.pods().find((pod) => pod !== master) as string;
                await waitFor(
                    async () => (await sentinelMaster(ips[other], ha.password, NAME)) !== ha.hostOf(master),
                    60000,
                    "a failover away from the frozen master",
                );
                resume();
                return at;
            }),
        );
        const detached = ha.fenceDetachments(at);
        measure("freeze: replicas the fence detached from the frozen master", detached);
        assert.ok(detached >= 1, "a replica's fence detached it from the frozen master before the failover");
    });

    it("steps a frozen master down once thawed after a failover, while a replica's Sentinel resolves no name", async () => {
        // Thawed, the old master reports the role master again until its fence steps it down; the
        // blind Sentinel, which kept it, would meanwhile turn the new master back into its replica.
        let at = 0;
        let blind: BlindSentinel | undefined;
        const result = await ha.throughFault("freeze, a Sentinel resolving no name", async (master) => {
            blind = await blindSentinelBeside(ha, master);
            const ips = await ha.podIPs();
            at = Date.now();
            const { resume } = await faults.hangContainer(NAMESPACE, master, "redis");
            await blind.promotion();
            resume();
            await waitFor(async () => (await replicationOf(ips[master], ha.password)).role === "slave", 30000, `${master} a replica again`);
            blind.restoreLookups();
            return at;
        });
        report(result);
        measure(`${result.label}: masters their fence stepped down`, ha.countLogLines("fence", "replaces this server as the master", at));
        assertNotTurnedBack(ha, result.label, blind as BlindSentinel, at);
        await (blind as BlindSentinel).restoreEligibility();
    });

    it("fails over when the master's node is lost (silence; its pod stays until the node returns)", async () => {
        const master = await ha.masterNotOn(PROTECTED_NODE);
        const node = await cluster.podNode(NAMESPACE, master);
        let restore: (() => Promise<void>) | undefined;
        report(
            await ha.throughFault("node loss", async () => {
                const at = Date.now();
                ({ restore } = await faults.loseNode(node));
                const ips = await ha.podIPs();
                const other = ha.pods().find((pod) => pod !== master) as string;
                // A Sentinel that does not answer has not failed over: the wait goes on.
                await waitFor(
                    async () => {
                        const answer = await sentinelMaster(ips[other], ha.password, NAME);
                        return answer !== undefined && answer !== ha.hostOf(master);
                    },
                    60000,
                    "a Sentinel naming a master away from the lost node",
                );
                measure("node loss: failover seen by the Sentinels after (s)", secondsSince(at));
                await restore();
                return at;
            }),
        );
    });

    it("fails over when the master is partitioned from the other pods, and takes it back as a replica when healed", async () => {
        const master = await ha.masterNotOn(PROTECTED_NODE);
        report(
            await ha.throughFault("master partition", async () => {
                const at = Date.now();
                const others = ha.pods().filter((pod) => pod !== master);
                const { heal } = await faults.partition(
                    [{ pod: { namespace: NAMESPACE, name: master } }],
                    others.map((name) => ({ pod: { namespace: NAMESPACE, name } })),
                );
                const ips = await ha.podIPs();
                // A Sentinel that does not answer has not failed over: the wait goes on.
                await waitFor(
                    async () => {
                        const answer = await sentinelMaster(ips[others[0]], ha.password, NAME);
                        return answer !== undefined && answer !== ha.hostOf(master);
                    },
                    60000,
                    "a Sentinel on the majority side naming another master",
                );
                measure("master partition: failover seen by the majority's Sentinels after (s)", secondsSince(at));
                // The isolated master refuses writes once its replicas' acknowledgements are older than min-replicas-max-lag.
                await waitFor(
                    async () => {
                        const redis = new Redis({
                            host: ips[master],
                            password: ha.password,
                            lazyConnect: true,
                            retryStrategy: () => null,
                            maxRetriesPerRequest: 0,
                        });
                        redis.on("error", () => undefined);
                        try {
                            await redis.connect();
                            await redis.set("partition:probe", "1");
                            return false;
                        } catch (error) {
                            return /NOREPLICAS/.test((error as Error).message);
                        } finally {
                            redis.disconnect();
                        }
                    },
                    30000,
                    "the isolated master refusing writes",
                );
                measure("master partition: isolated master refuses writes after (s)", secondsSince(at));
                heal();
                return at;
            }),
        );
    });

    it("keeps writing when a replica is partitioned away, and takes it back when healed", async () => {
        const master = await ha.masterNotOn(PROTECTED_NODE);
        const replica = ha.pods().find((pod) => pod !== master && pod !== `${NAME}-0`) as string;
        report(
            await ha.throughFault("replica partition", async () => {
                const at = Date.now();
                const others = ha.pods().filter((pod) => pod !== replica);
                const { heal } = await faults.partition(
                    [{ pod: { namespace: NAMESPACE, name: replica } }],
                    others.map((name) => ({ pod: { namespace: NAMESPACE, name } })),
                );
                const ips = await ha.podIPs();
                await waitFor(
                    async () => {
                        const view = await sentinelView(ips[master], ha.password, NAME);
                        return view.replicas.some((r) => r.name.split(".")[0] === replica && r.flags.includes("s_down"));
                    },
                    30000,
                    "the Sentinels seeing the replica down",
                );
                heal();
                return at;
            }),
        );
    });

    it("keeps the master while two of three Sentinels are lost, and agrees again when they return", async () => {
        const master = await ha.healthy();
        report(
            await ha.throughFault("sentinel majority lost", async () => {
                const at = Date.now();
                const others = ha.pods().filter((pod) => pod !== master);
                const hung = await Promise.all(others.map((pod) => faults.hangContainer(NAMESPACE, pod, "sentinel")));
                // Watched for several down-after periods: nothing fails over, and writes go on.
                const ips = await ha.podIPs();
                for (const start = Date.now(); Date.now() - start < 8000;) {
                    assert.equal(
                        await sentinelMaster(ips[master], ha.password, NAME),
                        ha.hostOf(master),
                        "the master changed without a Sentinel majority",
                    );
                    const role = await replicationOf(ips[master], ha.password);
                    assert.equal(role.role, "master");
                    await new Promise((resolve) => setTimeout(resolve, 500));
                }
                hung.forEach(({ resume }) => resume());
                return at;
            }),
        );
    });

    it("restarts every pod at once and comes back with one master and every acknowledged write", async () => {
        report(
            await ha.throughFault("full restart", async () => {
                const at = Date.now();
                await Promise.all(ha.pods().map((pod) => cluster.deletePod(NAMESPACE, pod)));
                return at;
            }),
        );
    });

    it("restarts every pod at once under OrderedReady too (the pods come back one at a time, in order), with one master and every acknowledged write", async () => {
        await ha.setPodManagementPolicy("OrderedReady");
        try {
            report(
                await ha.throughFault("full restart, OrderedReady", async () => {
                    const at = Date.now();
                    await Promise.all(ha.pods().map((pod) => cluster.deletePod(NAMESPACE, pod)));
                    return at;
                }),
            );
        } finally {
            await ha.setPodManagementPolicy("Parallel");
        }
    });

    it("comes back with one master and every fsync-acknowledged write after a power cut of the whole cluster (every process killed at once, no preStop)", async () => {
        report(
            await ha.throughFault(
                "whole-cluster power cut",
                async () => {
                    const at = Date.now();
                    await faults.restartCluster();
                    return at;
                },
                { everyServerCrashes: true },
            ),
        );
    });

    it("rebuilds a replica whose volume was lost (not promotable until synchronised)", async () => {
        const master = await ha.healthy();
        const replica = ha.pods().find((pod) => pod !== master) as string;
        report(
            await ha.throughFault("replica volume loss", async () => {
                const at = Date.now();
                await ha.wipeVolume(replica);
                await cluster.forceDeletePod(NAMESPACE, replica);
                return at;
            }),
        );
    });

    it("fails over when the master's volume is lost, and rebuilds it as a replica", async () => {
        report(
            await ha.throughFault("master volume loss", async (master) => {
                const at = Date.now();
                await ha.wipeVolume(master);
                await cluster.forceDeletePod(NAMESPACE, master);
                return at;
            }),
        );
    });
});

/**
 * The same topology with Valkey 8.1 (its server, its Sentinel, its cli in the pod scripts): a crash
 * and a planned handover, with the same checks. The fault matrix above runs with Redis; the pod
 * scripts speak to both engines through the same commands.
 */
describe("mode sentinel on the local cluster, with Valkey", function () {
    this.timeout(900000);
    const namespace = `kr-e2e-ha-valkey-${process.pid % 100000}`;
    let cluster: Cluster;
    let faults: Faults;
    let ha: SentinelDeployment;

    before(async function () {
        await requireCluster(this);
        cluster = new Cluster();
        faults = new Faults(cluster);
        ha = new SentinelDeployment(cluster, faults, namespace, NAME, IMAGES.valkey);
        measure("valkey sentinel: deploy to whole (s)", Math.round((await ha.deploy()) / 100) / 10);
    });

    afterEach(async function () {
        if (this.currentTest?.state === "failed" && ha) {
            console.log(await ha.failureReport());
            await ha.recoverFromFailure();
        }
    });

    after(async function () {
        if (!cluster) {
            return;
        }
        try {
            await faults.undoAll();
        } finally {
            await ha.remove();
            cluster.close();
            assert.deepEqual(faultLeftovers(), []);
        }
    });

    it("runs Valkey's server and Sentinel in every pod, one master and two replicas", async () => {
        const master = await ha.healthy();
        assert.equal(master, `${NAME}-0`);
        for (const pod of ha.pods()) {
            for (const [container, binary] of [
                ["redis", "valkey-server"],
                ["sentinel", "valkey-server"],
            ]) {
                // The program the container's first process was started as (the engine's binaries
                // are one file under several names: argv[0] tells them apart).
                const { stdout } = await cluster.exec(namespace, pod, ["cat", "/proc/1/cmdline"], { container });
                assert.equal(stdout.split(/[\0 ]/)[0].split("/").pop(), binary, `${pod}/${container}: ${stdout}`);
            }
        }
    });

    it("fails over when the master's container crashes, losing no acknowledged write", () => crashCase(ha, "valkey crash"));

    it("hands the master over before a graceful delete: writes pause, none fails", () => handoverCase(ha, "valkey graceful delete"));
});
