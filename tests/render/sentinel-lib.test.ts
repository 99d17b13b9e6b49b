import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SCRIPTS } from "../../sdk/core/constants";

const ROOT = path.join(__dirname, "..", "..");
const SCRIPTS_DIR = path.join(ROOT, "sdk", "scripts");
const FAKE_CLI = path.join(ROOT, "tests", "support", "fake-cli.sh");
const DOMAIN = "data.svc.cluster.local";
const MASTER_NAME = "cache";
const REDIS_PORT = 6379;
const SENTINEL_PORT = 26379;
/** The replica-priority a master handing over gives the replica it chose (lib-common.sh). */
const HANDOVER_PRIORITY = 1;

const host = (ordinal: number) => `cache-${ordinal}.${DOMAIN}`;

/**
 * What the pods of one deployment answer: for each pod, the master its Sentinel names and its
 * server's INFO replication; a pod left out answers nothing.
 */
type Pods = Record<
    number,
    {
        sentinelNames?: number;
        configEpoch?: number;
        /** The flags of SENTINEL MASTER: "master" unless given. */
        flags?: string;
        replication?: string;
        promoting?: number;
        /**
         * Replicas as SENTINEL REPLICAS reports them: pod, age of its last INFO, the role and
         * priority that INFO reported, its flags ("slave" unless given) and its link to the master
         * ("ok" unless given). A live read's age grows from the start of the call, as a real
         * Sentinel's does; others stay as given.
         */
        replicaReads?: { pod: number; age: number; role: string; priority?: number; flags?: string; link?: string; live?: boolean }[];
        /** The replica-priority of the pod's server (CONFIG GET), which also takes CONFIG SET of it. */
        priority?: number;
        /** The run_id of the pod's server (INFO server). */
        runId?: string;
    }
>;

const MASTER = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n";
/** INFO replication of a replica of the pod `master`. */
function replicaOf(master: number, link: "up" | "down" = "up", syncing = false): string {
    return [
        "# Replication",
        "role:slave",
        `master_host:${host(master)}`,
        `master_port:${REDIS_PORT}`,
        `master_link_status:${link}`,
        `master_sync_in_progress:${syncing ? 1 : 0}`,
        "",
    ].join("\r\n");
}

/** The environment the pod scripts of pod `self` of `size` pods read, with the stand-in cli. */
function podEnv(size: number, self: number): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH,
        ENGINE_CLI: FAKE_CLI,
        REDIS_PORT: String(REDIS_PORT),
        SENTINEL_PORT: String(SENTINEL_PORT),
        MASTER_NAME,
        POD_NAME: `cache-${self}`,
        POD_SERVICE_DOMAIN: DOMAIN,
        PEER_HOSTS: Array.from({ length: size }, (_, ordinal) => host(ordinal)).join(" "),
        SENTINEL_INFO_PERIOD_MILLISECONDS: "1000",
    };
}

/** Writes the stand-in cli's replies for `pods` under `dir` (see tests/support/fake-cli.sh). */
function writeReplies(dir: string, pods: Pods): void {
    const reply = (ordinal: number, port: number, command: string, text: string) => {
        fs.mkdirSync(path.join(dir, host(ordinal), String(port)), { recursive: true });
        fs.writeFileSync(path.join(dir, host(ordinal), String(port), command), text);
    };
    for (const [ordinal, pod] of Object.entries(pods).map(([key, value]) => [Number(key), value] as const)) {
        if (pod.sentinelNames !== undefined) {
            reply(ordinal, SENTINEL_PORT, `sentinel get-master-addr-by-name ${MASTER_NAME}`, `${host(pod.sentinelNames)}\n${REDIS_PORT}\n`);
            // SENTINEL MASTER, some of its fields; the configuration's epoch is 1 unless given.
            const master = [
                "name",
                MASTER_NAME,
                "ip",
                host(pod.sentinelNames),
                "port",
                String(REDIS_PORT),
                "runid",
                "",
                "flags",
                pod.flags ?? "master",
            ];
            master.push("config-epoch", String(pod.configEpoch ?? 1), "num-slaves", "2");
            reply(ordinal, SENTINEL_PORT, `sentinel master ${MASTER_NAME}`, master.join("\n") + "\n");
        }
        if (pod.replication) {
            reply(ordinal, REDIS_PORT, "info replication", pod.replication);
        }
        // SENTINEL REPLICAS as redis-cli prints it to a pipe: one line per field and value.
        const replicas: string[][] = [];
        if (pod.promoting !== undefined) {
            replicas.push(["name", `${host(pod.promoting)}:${REDIS_PORT}`, "ip", host(pod.promoting), "flags", "slave,promoted"]);
        }
        for (const read of pod.replicaReads ?? []) {
            replicas.push([
                "name",
                `${host(read.pod)}:${REDIS_PORT}`,
                "ip",
                host(read.pod),
                "flags",
                read.flags ?? "slave",
                "info-refresh",
                read.live ? `@since:${Date.now() - read.age}@` : String(read.age),
                "role-reported",
                read.role,
                "master-link-status",
                read.link ?? "ok",
                ...(read.priority === undefined ? [] : ["slave-priority", String(read.priority)]),
            ]);
        }
        if (pod.runId !== undefined) {
            reply(ordinal, REDIS_PORT, "info server", `# Server\r\nrun_id:${pod.runId}\r\n`);
        }
        if (pod.priority !== undefined) {
            reply(ordinal, REDIS_PORT, "config get replica-priority", `replica-priority\n${pod.priority}\n`);
            for (const value of [0, HANDOVER_PRIORITY, 100, 200]) {
                reply(ordinal, REDIS_PORT, `config set replica-priority ${value}`, "OK\n");
            }
        }
        if (replicas.length > 0) {
            reply(ordinal, SENTINEL_PORT, `sentinel replicas ${MASTER_NAME}`, replicas.flat().join("\n") + "\n");
        }
    }
}

/**
 * Runs `call` (a function of the shipped lib-sentinel.sh and its arguments) as the pod `self` of
 * `size` pods, against a stand-in cli answering as `pods` do. Returns what it prints, or
 * undefined when it fails (finds nothing).
 */
function runLib(size: number, self: number, pods: Pods, ...call: string[]): string | undefined {
    return runLibWith({}, size, self, pods, ...call);
}

/** runLib with more of the environment (`env`, over the pod's). */
function runLibWith(env: NodeJS.ProcessEnv, size: number, self: number, pods: Pods, ...call: string[]): string | undefined {
    return runLibTraced(env, size, self, pods, ...call).printed;
}

/** runLibWith, and the commands the stand-in cli was sent, as "HOST PORT COMMAND". */
function runLibTraced(
    env: NodeJS.ProcessEnv,
    size: number,
    self: number,
    pods: Pods,
    ...call: string[]
): { printed: string | undefined; commands: string[] } {
    const replies = fs.mkdtempSync(path.join(os.tmpdir(), "kr-sentinel-lib-"));
    const log = path.join(replies, "commands.log");
    const commands = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
    try {
        writeReplies(path.join(replies, "hosts"), pods);
        // What the pod's own server answers (redis_cli asks 127.0.0.1).
        const own = path.join(replies, "hosts", "127.0.0.1", String(REDIS_PORT));
        if (pods[self]?.replication) {
            fs.mkdirSync(own, { recursive: true });
            fs.writeFileSync(path.join(own, "info replication"), pods[self].replication as string);
        }
        const ownByName = path.join(replies, "hosts", host(self), String(REDIS_PORT));
        for (const file of fs.existsSync(ownByName) ? fs.readdirSync(ownByName) : []) {
            fs.mkdirSync(own, { recursive: true });
            fs.copyFileSync(path.join(ownByName, file), path.join(own, file));
        }
        const result = spawnSync(
            "sh",
            [
                "-c",
                `. "${SCRIPTS_DIR}/${SCRIPTS.common.role}/${SCRIPTS.common.file}" && . "$0" && "$@"`,
                path.join(SCRIPTS_DIR, SCRIPTS.sentinelLib.role, SCRIPTS.sentinelLib.file),
                ...call,
            ],
            { encoding: "utf8", env: { ...podEnv(size, self), FAKE_CLI_REPLIES: path.join(replies, "hosts"), FAKE_CLI_LOG: log, ...env } },
        );
        assert.equal(result.stderr, "", `${call[0]} writes nothing to stderr`);
        if (result.status === 0) {
            return { printed: result.stdout.trim(), commands: commands() };
        }
        assert.equal(result.status, 1, `${call[0]} fails only by finding nothing: ${result.stdout}`);
        assert.equal(result.stdout, "");
        return { printed: undefined, commands: commands() };
    } finally {
        fs.rmSync(replies, { recursive: true, force: true });
    }
}

/**
 * The state a scale-up left in the suite: cache-2's and cache-3's Sentinels name cache-2, a
 * replica; the three others name cache-3, which runs as the master. Neither stuck Sentinel has
 * the others' unanimity, and two are too few to fail over (quorum 3).
 */
const TWO_OF_FIVE_STUCK: Pods = {
    0: { sentinelNames: 3, replication: replicaOf(3) },
    1: { sentinelNames: 3, replication: replicaOf(3) },
    2: { sentinelNames: 2, replication: replicaOf(3) },
    3: { sentinelNames: 2, replication: MASTER },
    4: { sentinelNames: 3, replication: replicaOf(3) },
};

/** outvoted_by NAMED, as the pod `self`: the server it prints, or undefined. */
const outvotedBy = (size: number, self: number, named: number, pods: Pods) => runLib(size, self, pods, "outvoted_by", host(named));

describe("lib-sentinel.sh: a Sentinel stuck on the old master (outvoted_by)", function () {
    this.timeout(20000);

    it("is repaired when the others agree on a server that runs as the master", () => {
        // Three pods: cache-2's Sentinel missed the new master's name and still names cache-0.
        const pods: Pods = {
            0: { sentinelNames: 1, replication: replicaOf(9) },
            1: { sentinelNames: 1, replication: MASTER },
            2: { sentinelNames: 0, replication: replicaOf(9) },
        };
        assert.equal(outvotedBy(3, 2, 0, pods), host(1));
    });

    it("is repaired when two of five Sentinels are stuck: a majority of all the Sentinels suffices, not every other one", () => {
        const pods = TWO_OF_FIVE_STUCK;
        assert.equal(outvotedBy(5, 2, 2, pods), host(3), "cache-2's Sentinel");
        assert.equal(outvotedBy(5, 3, 2, pods), host(3), "cache-3's Sentinel");
        // While one of them restarts (its Sentinel answers nothing), the other is still outvoted.
        assert.equal(outvotedBy(5, 2, 2, { ...pods, 3: { replication: MASTER } }), host(3));
    });

    it("is left alone without a majority of all the Sentinels, counting those that do not answer", () => {
        // cache-4's Sentinel answers nothing: two of five name cache-3.
        const pods: Pods = { ...TWO_OF_FIVE_STUCK, 4: { replication: TWO_OF_FIVE_STUCK[4].replication } };
        assert.equal(outvotedBy(5, 2, 2, pods), undefined, "two of five name cache-3");
        assert.equal(
            outvotedBy(3, 2, 0, { 1: { sentinelNames: 1, replication: MASTER }, 0: { replication: replicaOf(9) } }),
            undefined,
            "one of three",
        );
    });

    it("is left alone when the server it names still runs as the master, or the others' does not", () => {
        const pods: Pods = {
            0: { sentinelNames: 1, replication: MASTER },
            1: { sentinelNames: 1, replication: MASTER },
            2: { sentinelNames: 0, replication: replicaOf(9) },
        };
        assert.equal(outvotedBy(3, 2, 0, pods), undefined, "two masters: the Sentinels, not a restart, settle that");
        assert.equal(
            outvotedBy(3, 2, 0, {
                ...pods,
                0: { sentinelNames: 1, replication: replicaOf(9) },
                1: { sentinelNames: 1, replication: replicaOf(9) },
            }),
            undefined,
        );
        assert.equal(outvotedBy(3, 2, 0, { ...pods, 1: { sentinelNames: 1 } }), undefined, "the agreed master does not answer");
    });
});

/** INFO replication of a master whose replication ID is `id`, and whose previous one is `previous`. */
function masterOf(id: string, previous = "0".repeat(40)): string {
    return ["# Replication", "role:master", "connected_slaves:1", `master_replid:${id}`, `master_replid2:${previous}`, ""].join("\r\n");
}
const [OLD_ID, NEW_ID, OLDER_ID] = ["a", "b", "c"].map((letter) => letter.repeat(40));

describe("lib-sentinel.sh: the server that replaces this pod's master (successor)", function () {
    this.timeout(20000);
    const successor = (pods: Pods, self = 0) => runLib(3, self, pods, "successor");

    it("is the replica a Sentinel is promoting, once it runs as the master with this server's history", () => {
        const pods: Pods = {
            0: { sentinelNames: 0, replication: masterOf(OLD_ID) },
            1: { sentinelNames: 0, replication: masterOf(NEW_ID, OLD_ID) },
            2: { sentinelNames: 0, replication: replicaOf(0), promoting: 1 },
        };
        assert.equal(successor(pods), host(1));
        assert.equal(successor({ ...pods, 1: { sentinelNames: 0, replication: replicaOf(0) } }), undefined, "not promoted yet");
        assert.equal(successor({ ...pods, 1: { sentinelNames: 0 } }), undefined, "it does not answer");
    });

    it("is the master a Sentinel names, while the others still name this server", () => {
        const pods: Pods = {
            0: { sentinelNames: 0, replication: masterOf(OLD_ID) },
            1: { sentinelNames: 1, configEpoch: 2, replication: masterOf(NEW_ID, OLD_ID) },
            2: { sentinelNames: 0, replication: replicaOf(1) },
        };
        assert.equal(successor(pods), host(1));
        assert.equal(successor({ ...pods, 1: { replication: masterOf(NEW_ID, OLD_ID) } }), undefined, "no Sentinel names it");
    });

    it("is never the master this server took over from, whatever the Sentinels name", () => {
        // A moment after a failover, the old master (cache-0) runs again, thawed; two Sentinels
        // still name it, one of them in the newest configuration (it missed the new master's name).
        const pods: Pods = {
            0: { sentinelNames: 0, configEpoch: 2, replication: masterOf(OLD_ID, OLDER_ID) },
            1: { sentinelNames: 1, configEpoch: 2, replication: masterOf(NEW_ID, OLD_ID) },
            2: { sentinelNames: 0, replication: replicaOf(1) },
        };
        assert.equal(successor(pods, 1), undefined, "the new master does not step down for the old one");
        assert.equal(successor(pods, 0), host(1), "the old master steps down for the new one");
    });

    it("is nobody while this pod's server is a replica, or another master does not continue its history", () => {
        const pods: Pods = {
            0: { sentinelNames: 1, replication: replicaOf(1) },
            1: { sentinelNames: 1, replication: masterOf(NEW_ID, OLD_ID) },
            2: { sentinelNames: 1, replication: replicaOf(1) },
        };
        assert.equal(successor(pods), undefined, "a replica");
        assert.equal(successor({ ...pods, 0: { sentinelNames: 1, replication: masterOf(OLDER_ID) } }), undefined, "two unrelated masters");
        // A replica that continued this master's history after a partial resynchronisation with
        // another server carries its ID as its previous one too: it runs as no master.
        const continued = replicaOf(0).replace("role:slave", `role:slave\r\nmaster_replid:${NEW_ID}\r\nmaster_replid2:${OLD_ID}`);
        assert.equal(
            successor({ ...pods, 0: { sentinelNames: 1, replication: masterOf(OLD_ID) }, 1: { sentinelNames: 1, replication: continued } }),
            undefined,
            "a replica",
        );
    });
});

describe("lib-sentinel.sh: the master a majority of the Sentinels name (majority_master)", function () {
    this.timeout(20000);

    it("is named by a majority of all the Sentinels, in the newest configuration one of them holds", () => {
        // A moment after a failover: cache-2's Sentinel led it and names cache-1 (epoch 2); the
        // two others have not heard of it yet and name cache-0 (epoch 1).
        const pods: Pods = { 0: { sentinelNames: 0 }, 1: { sentinelNames: 0 }, 2: { sentinelNames: 1, configEpoch: 2 } };
        assert.equal(runLib(3, 0, pods, "majority_master"), "", "none");
        assert.equal(runLib(3, 0, { ...pods, 1: { sentinelNames: 1, configEpoch: 2 } }, "majority_master"), host(1));
        assert.equal(runLib(3, 0, { 0: { sentinelNames: 0 }, 1: { sentinelNames: 0 } }, "majority_master"), host(0), "two of three");
        assert.equal(runLib(3, 0, { 0: { sentinelNames: 0 } }, "majority_master"), "", "one of three");
    });
});

describe("lib-sentinel.sh: a requested failover the Sentinel gave up (failover_abandoned)", function () {
    this.timeout(20000);

    it("is one the asked Sentinel no longer runs while it still names this server the master", () => {
        const abandoned = (pod: Pods[number]) => runLib(3, 0, { 1: pod }, "failover_abandoned", host(1)) !== undefined;
        assert.equal(abandoned({ sentinelNames: 0 }), true, "gave up: this server, flags master");
        assert.equal(abandoned({ sentinelNames: 0, flags: "master,failover_in_progress,force_failover" }), false, "still under way");
        assert.equal(abandoned({ sentinelNames: 2, configEpoch: 2 }), false, "done: it names the new master");
        assert.equal(abandoned({}), false, "the Sentinel does not answer");
    });
});

describe("lib-sentinel.sh: the servers a stopping pod waits for (servers_not_following)", function () {
    this.timeout(20000);

    it("lists the servers of other pods that do not replicate from the master; with in-sync, also those not in sync with it", () => {
        const pods: Pods = {
            0: { replication: MASTER },
            1: { replication: replicaOf(0) },
            2: { replication: replicaOf(0, "down") }, // restarted a moment ago: loading, or connecting
            3: { replication: replicaOf(0, "up", true) }, // in its full synchronisation
            4: { replication: replicaOf(1) },
            // 5 answers nothing: its pod is gone; 6 is the pod asking
            6: { replication: replicaOf(0, "down") },
        };
        const lines = (text: string | undefined) => (text ? text.split("\n") : []);
        assert.deepEqual(lines(runLib(7, 6, pods, "servers_not_following", host(0))), [host(4)]);
        assert.deepEqual(lines(runLib(7, 6, pods, "servers_not_following", host(0), "in-sync")), [host(2), host(3), host(4)]);
        assert.deepEqual(lines(runLib(7, 0, pods, "servers_not_following", host(0), "in-sync")), [host(2), host(3), host(4), host(6)]);
        assert.deepEqual(
            lines(
                runLib(3, 2, { 0: { replication: MASTER }, 1: { replication: replicaOf(0) } }, "servers_not_following", host(0), "in-sync"),
            ),
            [],
        );
    });
});

describe("lib-sentinel.sh: how a Sentinel last saw a replica (replica_view)", function () {
    this.timeout(20000);

    it("reports that replica's last INFO, its age, the role and priority it reported, and nothing for a replica the Sentinel does not know", () => {
        const pods: Pods = {
            1: {
                replicaReads: [
                    { pod: 2, age: 420, role: "slave", priority: 1 },
                    { pod: 0, age: 35, role: "master" },
                ],
            },
        };
        assert.equal(runLib(3, 0, pods, "replica_view", host(1), host(2)), "420 slave 1");
        assert.equal(runLib(3, 0, pods, "replica_view", host(1), host(0)), "35 master ?");
        assert.ok(!runLib(3, 0, pods, "replica_view", host(1), host(5)), "an unknown replica");
        assert.ok(!runLib(3, 0, pods, "replica_view", host(2), host(2)), "a Sentinel that does not answer");
    });
});

describe("lib-sentinel.sh: the replica a handover has the Sentinel promote (handover_candidate)", function () {
    this.timeout(20000);

    const candidate = (reads: NonNullable<Pods[number]["replicaReads"]>) =>
        runLib(5, 0, { 1: { replicaReads: reads } }, "handover_candidate", host(1), "750");

    it("takes the lowest priority the Sentinel would promote, and of those the replica it read longest ago", () => {
        assert.equal(
            candidate([
                { pod: 1, age: 100, role: "slave", priority: 100 },
                { pod: 2, age: 600, role: "slave", priority: 100 },
                { pod: 3, age: 700, role: "slave", priority: 200 },
            ]),
            `${host(2)} 100`,
        );
        assert.equal(
            candidate([
                { pod: 1, age: 100, role: "slave", priority: 100 },
                { pod: 2, age: 600, role: "slave", priority: 150 },
            ]),
            `${host(1)} 100`,
            "an operator's preference stays",
        );
    });

    it("leaves out every replica the Sentinel would not promote", () => {
        const good = { pod: 4, age: 100, role: "slave", priority: 100 };
        const left = [
            { pod: 1, age: 700, role: "slave", priority: 0 }, // restarted, or stopping
            { pod: 2, age: 700, role: "slave", priority: 100, flags: "s_down,slave" },
            { pod: 3, age: 700, role: "slave", priority: 100, link: "err" },
            { pod: 5, age: 1600, role: "slave", priority: 100 }, // not read for two periods
            { pod: 0, age: 700, role: "slave", priority: 100 }, // the asking pod itself
        ];
        assert.equal(candidate([...left, good]), `${host(4)} 100`);
        assert.equal(candidate(left), undefined);
        assert.equal(runLib(5, 0, {}, "handover_candidate", host(1), "750"), undefined, "a Sentinel that does not answer");
    });
});

describe("lib-sentinel.sh: choosing the replica a handover promotes, and timing the request to it (choose_handover_target)", function () {
    this.timeout(20000);

    /**
     * choose_handover_target as pod cache-0 of three, then release_handover_target: what it chose
     * ("none"), the age it aimed at ("none"), how long it took, in ms, and the priorities it set.
     */
    const choose = (pods: Pods, env: NodeJS.ProcessEnv = {}) => {
        const started = Date.now();
        const { printed, commands } = runLibTraced(
            env,
            3,
            0,
            pods,
            "eval",
            'choose_handover_target; chosen=${handover_target:-none}; release_handover_target; echo "$chosen ${info_phase_age:-none}"',
        );
        const [target, aimed] = (printed ?? "").split(" ");
        const sets = commands.filter((line) => line.includes("config set"));
        return { target, aimed, waitedMs: Date.now() - started, sets };
    };

    it("makes the candidate the asked Sentinel's first choice, waits until it read that, times the request 600 ms after that read, and gives the priority back", () => {
        // cache-1's Sentinel is asked first; it read cache-2 with the handover's priority 200 ms
        // ago (in the stand-in, at once): the pause comes 300 ms later, when the read is 500 ms
        // old, and the request 100 ms after the pause.
        const pods: Pods = {
            1: { replicaReads: [{ pod: 2, age: 200, role: "slave", priority: HANDOVER_PRIORITY, live: true }] },
            2: { priority: 150 },
        };
        const { target, aimed, waitedMs, sets } = choose(pods);
        assert.equal(target, host(2));
        assert.ok(Number(aimed) >= 600 && Number(aimed) <= 650, `aimed at ${aimed} ms`);
        assert.ok(waitedMs >= 300 && waitedMs < 2000, `waited ${waitedMs} ms`);
        assert.deepEqual(sets, [
            `${host(2)} ${REDIS_PORT} config set replica-priority ${HANDOVER_PRIORITY}`,
            `${host(2)} ${REDIS_PORT} config set replica-priority 150`,
        ]);
    });

    it("asks the next Sentinel when the first does not answer, and aims earlier with a short info-period", () => {
        const pods: Pods = {
            2: { replicaReads: [{ pod: 1, age: 50, role: "slave", priority: HANDOVER_PRIORITY, live: true }] },
            1: { priority: 100 },
        };
        // info-period 500: the request must arrive 150 ms before the next regular read.
        const { target, aimed } = choose(pods, { SENTINEL_INFO_PERIOD_MILLISECONDS: "500" });
        assert.equal(target, host(1));
        assert.ok(Number(aimed) >= 350 && Number(aimed) <= 400, `aimed at ${aimed} ms`);
    });

    it("waits for the Sentinel's next read when the last is too old to aim at, and does not time the request when it does not come", () => {
        // info-period 300: the pause is aimed at 50 ms after the read; this one is 500 ms old,
        // and the next never comes here (two periods and 200 ms).
        const pods: Pods = {
            1: { replicaReads: [{ pod: 2, age: 500, role: "slave", priority: HANDOVER_PRIORITY, live: true }] },
            2: { priority: 100 },
        };
        const { target, aimed, waitedMs } = choose(pods, { SENTINEL_INFO_PERIOD_MILLISECONDS: "300" });
        assert.equal(target, host(2));
        assert.equal(aimed, "none");
        assert.ok(waitedMs >= 800 && waitedMs < 3000, `waited ${waitedMs} ms`);
    });

    it("gives up waiting when the Sentinel does not read the new priority within two info-periods, keeping the choice until released", () => {
        const pods: Pods = {
            1: { replicaReads: [{ pod: 2, age: 200, role: "slave", priority: 100 }] },
            2: { priority: 100 },
        };
        const { target, aimed, waitedMs, sets } = choose(pods, { SENTINEL_INFO_PERIOD_MILLISECONDS: "300" });
        assert.equal(target, host(2));
        assert.equal(aimed, "none");
        assert.ok(waitedMs >= 800 && waitedMs < 3000, `waited ${waitedMs} ms`);
        assert.equal(sets.length, 2, sets.join("\n"));
    });

    it("does not give back a priority that changed since (the chosen server restarted)", () => {
        const pods: Pods = {
            1: { replicaReads: [{ pod: 2, age: 500, role: "slave", priority: HANDOVER_PRIORITY }] },
            2: { priority: 100 },
        };
        const { commands } = runLibTraced(
            {},
            3,
            0,
            pods,
            "eval",
            `choose_handover_target; cli_at ${host(2)} ${REDIS_PORT} 1 config set replica-priority 0 > /dev/null; release_handover_target`,
        );
        assert.deepEqual(
            commands.filter((line) => line.includes("config set")),
            [
                `${host(2)} ${REDIS_PORT} config set replica-priority ${HANDOVER_PRIORITY}`,
                `${host(2)} ${REDIS_PORT} config set replica-priority 0`,
            ],
        );
    });

    it("chooses nothing and does not wait without an info-period, an answering Sentinel, a candidate or a server that takes the priority", () => {
        const reads = { replicaReads: [{ pod: 2, age: 200, role: "slave", priority: 100 }] };
        assert.equal(choose({ 1: reads, 2: { priority: 100 } }, { SENTINEL_INFO_PERIOD_MILLISECONDS: "" }).aimed, "none");
        for (const pods of [{}, { 1: reads }, { 1: { replicaReads: [] }, 2: { priority: 100 } }] as Pods[]) {
            const { target, aimed, waitedMs, sets } = choose(pods);
            assert.deepEqual([target, aimed, sets], ["none", "none", []]);
            assert.ok(waitedMs < 2000, `waited ${waitedMs} ms`);
        }
    });
});

describe("lib-common.sh: a handover's choice that outlived the handover (handover_choice_lapsed)", function () {
    this.timeout(20000);

    /** handover_choice_lapsed as pod cache-1 of three: the priorities it set, and what it logged. */
    const lapse = (pods: Pods, env: NodeJS.ProcessEnv = {}) => {
        const { printed, commands } = runLibTraced(env, 3, 1, pods, "eval", "handover_choice_lapsed 1 2>&1");
        return { sets: commands.filter((line) => line.includes("config set")), logged: printed };
    };
    const chosen = { replication: replicaOf(0), priority: HANDOVER_PRIORITY };
    const reset = [`127.0.0.1 ${REDIS_PORT} config set replica-priority 100`];

    it("keeps the choice while the master it replicates from hands over (its own priority 0)", () => {
        assert.deepEqual(lapse({ 0: { priority: 0 }, 1: chosen }).sets, []);
    });

    it("gives it up when the master is not handing over, does not answer, or this server runs as the master", () => {
        const { sets, logged } = lapse({ 0: { priority: 100 }, 1: chosen });
        assert.deepEqual(sets, reset);
        assert.match(logged ?? "", /chosen for a handover that is not under way/);
        assert.deepEqual(lapse({ 1: chosen }).sets, reset, "the master does not answer");
        assert.deepEqual(lapse({ 0: { priority: 0 }, 1: { replication: MASTER, priority: HANDOVER_PRIORITY } }).sets, reset);
    });

    it("makes a server that is stopping unpromotable again at once, even while its master hands over", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kr-stopping-"));
        try {
            fs.writeFileSync(path.join(tmp, "stopping"), "abc");
            const { sets, logged } = lapse({ 0: { priority: 0 }, 1: { ...chosen, runId: "abc" } }, { TMPDIR: tmp });
            assert.deepEqual(sets, [`127.0.0.1 ${REDIS_PORT} config set replica-priority 0`]);
            assert.match(logged ?? "", /while stopping/);
            assert.deepEqual(
                lapse({ 0: { priority: 0 }, 1: { ...chosen, runId: "restarted" } }, { TMPDIR: tmp }).sets,
                [],
                "a mark of the server before",
            );
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("is dropped by the fence without asking the master (drop_handover_choice): a silent master hands nothing over", () => {
        const { commands } = runLibTraced({}, 3, 1, { 0: { priority: 0 }, 1: chosen }, "eval", "drop_handover_choice 1 2> /dev/null");
        assert.deepEqual(
            commands.filter((line) => line.includes("config set")),
            reset,
        );
        assert.ok(!commands.some((line) => line.startsWith(host(0))), "the master is not asked");
    });

    it("leaves any other priority alone", () => {
        assert.deepEqual(lapse({ 0: { priority: 100 }, 1: { replication: replicaOf(0), priority: 0 } }).sets, []);
        assert.deepEqual(lapse({ 0: { priority: 100 }, 1: { replication: replicaOf(0), priority: 200 } }).sets, []);
    });
});

describe("sentinel/start.sh: the saved state it starts from", function () {
    this.timeout(20000);

    it("takes the master the others agree on over a saved state older than a failover, and forgets that master as a replica", () => {
        // cache-2 stopped while it was the master; meanwhile the Sentinels promoted cache-0.
        const pods: Pods = {
            0: { sentinelNames: 0, replication: MASTER },
            1: { sentinelNames: 0, replication: replicaOf(0) },
            3: { sentinelNames: 0, replication: replicaOf(0) },
            4: { sentinelNames: 0, replication: replicaOf(0) },
        };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kr-sentinel-start-"));
        try {
            writeReplies(path.join(dir, "replies"), pods);
            // The pod's layout: every script flat, under its ConfigMap key.
            for (const script of [SCRIPTS.common, SCRIPTS.sentinelLib, SCRIPTS.sentinelStart]) {
                fs.copyFileSync(path.join(SCRIPTS_DIR, script.role, script.file), path.join(dir, script.key));
            }
            fs.writeFileSync(path.join(dir, "password"), "secret\n");
            fs.writeFileSync(path.join(dir, "sentinel.template.conf"), "port 26379\n");
            fs.mkdirSync(path.join(dir, "state"));
            const saved = [
                "sentinel myid 0123456789012345678901234567890123456789",
                `sentinel monitor ${MASTER_NAME} ${host(2)} ${REDIS_PORT} 3`,
                "sentinel current-epoch 3",
                `sentinel config-epoch ${MASTER_NAME} 3`,
                `sentinel leader-epoch ${MASTER_NAME} 3`,
                // cache-7: a pod of the deployment no more
                ...[0, 1, 3, 4, 7].map((ordinal) => `sentinel known-replica ${MASTER_NAME} ${host(ordinal)} ${REDIS_PORT}`),
                `sentinel known-sentinel ${MASTER_NAME} ${host(0)} ${SENTINEL_PORT} 1111111111111111111111111111111111111111`,
            ];
            fs.writeFileSync(path.join(dir, "state", "sentinel.conf"), saved.join("\n") + "\n");
            const result = spawnSync("sh", [path.join(dir, SCRIPTS.sentinelStart.key)], {
                encoding: "utf8",
                env: {
                    ...podEnv(5, 2),
                    FAKE_CLI_REPLIES: path.join(dir, "replies"),
                    // start.sh ends by exec'ing the Sentinel: here a command that does nothing.
                    ENGINE_SERVER: "true",
                    REDIS_PASSWORD_FILE: path.join(dir, "password"),
                    SENTINEL_TEMPLATE: path.join(dir, "sentinel.template.conf"),
                    SENTINEL_DIR: path.join(dir, "state"),
                    SENTINEL_QUORUM: "3",
                },
            });
            assert.equal(result.status, 0, result.stderr);
            assert.match(result.stderr, /the saved state names cache-2\S+ the master, which does not run as one/);
            const conf = fs.readFileSync(path.join(dir, "state", "sentinel.conf"), "utf8").split("\n");
            assert.ok(conf.includes(`sentinel monitor ${MASTER_NAME} ${host(0)} ${REDIS_PORT} 3`), conf.join("\n"));
            assert.ok(!conf.some((line) => line.startsWith(`sentinel config-epoch ${MASTER_NAME}`)), "the outvoted epoch is dropped");
            assert.ok(conf.includes("sentinel current-epoch 3"));
            assert.deepEqual(
                conf.filter((line) => line.startsWith("sentinel known-replica")),
                [1, 3, 4].map((ordinal) => `sentinel known-replica ${MASTER_NAME} ${host(ordinal)} ${REDIS_PORT}`),
                "neither the new master nor a departed pod is kept as a replica",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
