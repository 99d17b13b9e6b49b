import { strict as assert } from "node:assert";
import Redis from "ioredis";
import { Emulator, PodStatus, leftovers } from "./index";
import { requireEmulatorHost } from "./testing/guard";
import { headlessService, hostRedisCli, recordingLog, redisContainer, statefulSet } from "./testing/fixtures";

const NODE_LOSS_DELAY_MS = 800;

const db = statefulSet({
    name: "db",
    replicas: 2,
    claims: ["data"],
    volumes: [{ name: "scratch", emptyDir: {} }],
    spec: { podManagementPolicy: "Parallel" },
    containers: [
        redisContainer(
            {
                volumeMounts: [
                    { name: "data", mountPath: "/data" },
                    { name: "scratch", mountPath: "/scratch" },
                ],
                lifecycle: { preStop: { exec: { command: ["sh", "-c", "echo prestop > /data/prestop"] } } },
                readinessProbe: { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 },
            },
            ["--dir", "/data", "--appendonly", "yes", "--appendfsync", "always"],
        ),
    ],
});

const watched = statefulSet({
    name: "watched",
    containers: [
        redisContainer({
            livenessProbe: { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 },
        }),
    ],
});

/** A real client with short timeouts: a frozen or partitioned server must fail fast, not hang. */
async function ping(host: string): Promise<string> {
    const redis = new Redis({
        host,
        lazyConnect: true,
        connectTimeout: 700,
        commandTimeout: 700,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
    });
    redis.on("error", () => undefined);
    try {
        await redis.connect();
        return await redis.ping();
    } catch (error) {
        return `error: ${(error as Error).message}`;
    } finally {
        redis.disconnect();
    }
}

describe("pod emulator: faults on demand", function () {
    this.timeout(30000);
    let emulator: Emulator;

    before(async function () {
        requireEmulatorHost(this);
        emulator = await Emulator.start([db, headlessService("db", "db"), watched], {
            log: recordingLog().log,
            nodeLossDelayMs: NODE_LOSS_DELAY_MS,
        });
        await Promise.all([emulator.waitReady("db"), emulator.waitReady("watched")]);
    });

    after(async () => {
        await emulator?.stop();
        assert.deepEqual(leftovers(), []);
    });

    const pod = (name: string): PodStatus => emulator.pods().find((p) => p.name === name)!;
    const sh = async (podName: string, script: string) => (await emulator.exec(podName, ["sh", "-c", script])).stdout.trim();
    const claim = (name: string) => emulator.persistentVolumeClaims().find((c) => c.name === name);

    it("crashes a container: SIGKILL, restarted in the same pod with the same IP and data", async () => {
        const ip = emulator.podIP("db-0");
        await hostRedisCli(ip, "set", "crash", "survived");
        await emulator.crashContainer("db-0");
        await emulator.waitFor(() => pod("db-0").restartCount.redis === 1, 5000, "the restart");
        await emulator.waitReady("db");
        assert.equal(emulator.podIP("db-0"), ip);
        assert.equal(pod("db-0").containers[0].lastExitCode, 137);
        assert.equal(await hostRedisCli(ip, "get", "crash"), "survived");
    });

    it("deletes a pod gracefully: preStop runs, and the pod comes back with a new IP and its claim", async () => {
        const ip = emulator.podIP("db-0");
        await hostRedisCli(ip, "set", "delete", "survived");
        await emulator.deletePod("db-0");
        await emulator.waitReady("db");
        const newIP = emulator.podIP("db-0");
        assert.notEqual(newIP, ip);
        assert.equal(await sh("db-0", "cat /data/prestop"), "prestop");
        assert.equal(await hostRedisCli(newIP, "get", "delete"), "survived");
    });

    it("loses a node: everything dies without preStop, the pod lingers, then returns with a new IP, empty emptyDirs and its claim", async () => {
        const ip = emulator.podIP("db-0");
        await sh("db-0", "rm /data/prestop; echo scratch > /scratch/file");
        await hostRedisCli(ip, "set", "node", "survived");
        const lostAt = Date.now();
        await emulator.loseNode("db-0");
        assert.equal(pod("db-0").phase, "Unknown");
        assert.equal(pod("db-0").ready, false);
        assert.match(await ping(ip), /^error/);
        assert.deepEqual(emulator.resolve("db-0.db"), [], "the lost pod leaves DNS");
        await emulator.waitReady("db");
        assert.ok(Date.now() - lostAt >= NODE_LOSS_DELAY_MS, "the replacement waits for the node-loss delay");
        const newIP = emulator.podIP("db-0");
        assert.notEqual(newIP, ip);
        assert.equal(
            await sh("db-0", "ls /data/prestop 2>&1 || true; ls -A /scratch"),
            "ls: cannot access '/data/prestop': No such file or directory",
        );
        assert.equal(await hostRedisCli(newIP, "get", "node"), "survived");
    });

    it("partitions a pod from the host and the other pods, and heals it", async () => {
        const ip = emulator.podIP("db-1");
        const peer = emulator.podIP("db-0");
        await emulator.partition("db-1");
        assert.match(await ping(ip), /^error/);
        assert.notEqual(await sh("db-0", `timeout 1 redis-cli -h ${ip} ping || echo unreachable`), "PONG");
        assert.equal(await sh("db-1", `timeout 1 redis-cli -h ${peer} ping || echo unreachable`), "unreachable");
        assert.equal(await sh("db-1", "redis-cli ping"), "PONG", "the pod itself keeps running");
        assert.equal(pod("db-1").partitioned, true);
        await emulator.heal("db-1");
        // Reconnection after a partition takes a new ARP exchange; allow for it under load.
        await emulator.waitFor(async () => (await ping(ip)) === "PONG", 5000, "the host to reach the healed pod");
        assert.equal(await sh("db-1", `redis-cli -h ${peer} ping`), "PONG");
    });

    it("deletes a claim only once no pod uses it; the next pod gets a fresh volume", async () => {
        await sh("db-1", "echo old > /data/marker");
        const before = claim("data-db-1")!;
        await emulator.deletePvc("data-db-1");
        assert.deepEqual([claim("data-db-1")?.deleting, claim("data-db-1")?.inUse], [true, true]);
        assert.equal(await sh("db-1", "cat /data/marker"), "old", "a claim in use stays (pvc-protection)");
        await emulator.deletePod("db-1");
        await emulator.waitReady("db");
        assert.equal(await sh("db-1", "cat /data/marker 2>/dev/null || echo fresh"), "fresh");
        assert.notEqual(claim("data-db-1")!.path, before.path);
        assert.equal(claim("data-db-1")!.deleting, false);
    });

    it("freezes and thaws a container; readiness follows", async () => {
        const ip = emulator.podIP("db-1");
        await emulator.freeze("db-1");
        assert.match(await ping(ip), /^error/);
        await emulator.waitFor(() => !pod("db-1").ready, 8000, "the frozen pod to turn unready");
        await emulator.thaw("db-1");
        assert.equal(await ping(ip), "PONG");
        await emulator.waitReady("db");
        assert.equal(pod("db-1").restartCount.redis, 0);
    });

    it("restarts a frozen container whose liveness probe fails", async () => {
        await emulator.freeze("watched-0");
        await emulator.waitFor(() => pod("watched-0").restartCount.redis === 1, 10000, "the liveness restart");
        await emulator.waitReady("watched");
        assert.equal(await ping(emulator.podIP("watched-0")), "PONG");
    });
});
