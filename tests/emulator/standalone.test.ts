import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import Redis from "ioredis";
import { RedisArgs } from "../../sdk/api/args";
import { resolveSettings } from "../../sdk/core/settings";
import { KubeObject, renderRedis } from "../../tools/render";
import { REPO_ROOT } from "../../tools/stack-config";
import { Emulator, leftovers } from ".";
import { requireEmulatorHost } from "../support/requirements";
import { Loose } from "../support/loose";

/**
 * The standalone deployment, as the component renders it, run by the pod emulator with Debian's
 * redis-server: real processes, per-pod network namespaces and IPs, DNS, volumes, probes,
 * hooks and faults. Clients connect from the host with ioredis and from pods with redis-cli.
 */
const NAME = "cache";
const NAMESPACE = "data";
const POD = `${NAME}-0`;
const log = (line: string) => {
    if (process.env.EMULATOR_LOG) {
        process.stderr.write(`${line}\n`);
    }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function passwordOf(objects: KubeObject[]): string {
    return (objects.find((o) => o.kind === "Secret") as Loose).stringData.password;
}

function connect(emulator: Emulator, password?: string): Redis {
    const redis = new Redis({
        host: emulator.podIP(POD, NAMESPACE),
        port: 6379,
        password,
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 3000,
    });
    // Refused connections while a pod restarts are expected; the commands report them.
    redis.on("error", () => undefined);
    return redis;
}

async function withClient<T>(emulator: Emulator, password: string, use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = connect(emulator, password);
    await redis.connect();
    try {
        return await use(redis);
    } finally {
        redis.disconnect();
    }
}

function restarts(emulator: Emulator): number {
    return emulator.pods().find((p) => p.name === POD && p.namespace === NAMESPACE)?.restartCount.redis ?? 0;
}

function isReady(emulator: Emulator): boolean {
    return emulator.pods().some((p) => p.name === POD && p.namespace === NAMESPACE && p.ready);
}

/**
 * A per-key delay while loading (a Redis debugging knob, which the package refuses in `config`)
 * makes "loading a large dataset" last long enough to watch the readiness probe. The test adds
 * it to the rendered redis.conf as a fixture of its own.
 */
const SLOW_LOADING = "\n# Test fixture: slow loading\nkey-load-delay 50\n";

function withSlowLoading(objects: KubeObject[]): KubeObject[] {
    return objects.map((object) =>
        object.kind === "ConfigMap"
            ? {
                  ...object,
                  data: {
                      ...(object.data as Record<string, string>),
                      "redis.conf": (object.data as Record<string, string>)["redis.conf"] + SLOW_LOADING,
                  },
              }
            : object,
    );
}

/** Renders `new Redis(NAME, args)` and runs it until Ready. */
async function deploy(args: RedisArgs): Promise<{ emulator: Emulator; objects: KubeObject[]; password: string }> {
    const objects = withSlowLoading(await renderRedis(NAME, args, { showSecrets: true }));
    const emulator = await Emulator.start(objects, { log });
    await emulator.waitReady(NAME, { namespace: NAMESPACE, timeoutMs: 60000 });
    return { emulator, objects, password: passwordOf(objects) };
}

/** Waits until no emulator process, namespace or link is left. */
async function emulatorGone(): Promise<void> {
    const deadline = Date.now() + 30000;
    while (leftovers().length > 0 && Date.now() < deadline) {
        await sleep(200);
    }
    assert.deepEqual(leftovers(), []);
}

async function teardown(emulator: Emulator | undefined): Promise<void> {
    await emulator?.stop();
    assert.deepEqual(leftovers(), []);
}

const DURABLE: RedisArgs = {
    namespace: NAMESPACE,
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "256Mi" } },
};

describe("standalone Redis on the pod emulator", function () {
    this.timeout(240000);
    before(function () {
        requireEmulatorHost(this);
    });

    describe("durable store", () => {
        let emulator: Emulator;
        let password: string;

        before(async () => {
            ({ emulator, password } = await deploy(DURABLE));
        });
        after(() => teardown(emulator));

        it("requires AUTH: NOAUTH without a password, WRONGPASS with a wrong one; the exported password works", async () => {
            const anonymous = connect(emulator);
            await anonymous.connect();
            await assert.rejects(anonymous.get("k"), /NOAUTH/);
            await assert.rejects(anonymous.auth("wrong-password"), /WRONGPASS/);
            anonymous.disconnect();
            await withClient(emulator, password, async (redis) => assert.equal(await redis.ping(), "PONG"));
            const cli = await emulator.exec(POD, ["redis-cli", "-h", "127.0.0.1", "ping"], { namespace: NAMESPACE });
            assert.match(cli.stdout, /NOAUTH/);
        });

        it("sets the maxmemory the settings promise", async () => {
            const expected = resolveSettings(NAME, DURABLE).memory.maxmemoryBytes;
            await withClient(emulator, password, async (redis) => {
                assert.equal(Number(((await redis.config("GET", "maxmemory")) as string[])[1]), expected);
            });
            assert.equal(expected, 179 * 2 ** 20);
        });

        it("keeps the password off every process's command line", async () => {
            const result = await emulator.exec(POD, ["sh", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '"], {
                namespace: NAMESPACE,
            });
            assert.match(result.stdout, /redis-server/);
            assert.ok(!result.stdout.includes(password));
            for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
                let commandLine: string;
                try {
                    commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
                } catch {
                    continue;
                }
                assert.ok(!commandLine.includes(password), `process ${pid} has the password on its command line`);
            }
        });

        it("resolves the Service from another pod, whose client connects through it", async () => {
            const clientPod = {
                apiVersion: "apps/v1",
                kind: "StatefulSet",
                metadata: { name: "client", namespace: NAMESPACE },
                spec: {
                    serviceName: "client",
                    replicas: 1,
                    selector: { matchLabels: { app: "client" } },
                    template: {
                        metadata: { labels: { app: "client" } },
                        spec: {
                            securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999 },
                            containers: [
                                {
                                    name: "client",
                                    image: "docker.io/library/redis:7.0.15-bookworm",
                                    command: ["sh", "-c", "while true; do sleep 1; done"],
                                    env: [
                                        { name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: `${NAME}-auth`, key: "password" } } },
                                    ],
                                },
                            ],
                        },
                    },
                },
            };
            await emulator.apply([clientPod]);
            await emulator.waitReady("client", { namespace: NAMESPACE, timeoutMs: 30000 });
            const host = `${NAME}.${NAMESPACE}.svc.cluster.local`;
            const resolved = await emulator.exec("client-0", ["getent", "hosts", host], { namespace: NAMESPACE });
            assert.match(resolved.stdout, new RegExp(`^${emulator.podIP(POD, NAMESPACE).replace(/\./g, "\\.")}\\s`));
            const written = await emulator.exec("client-0", ["redis-cli", "--no-auth-warning", "-h", host, "set", "from-client", "yes"], {
                namespace: NAMESPACE,
            });
            assert.equal(written.stdout.trim(), "OK", written.stderr);
            await withClient(emulator, password, async (redis) => assert.equal(await redis.get("from-client"), "yes"));
        });

        it("keeps written data through a container crash, a graceful pod delete and a node loss", async () => {
            for (const [fault, inject] of [
                ["container crash", () => emulator.crashContainer(POD, "redis", NAMESPACE)],
                ["graceful pod delete", () => emulator.deletePod(POD, { graceful: true, namespace: NAMESPACE })],
                ["node loss", () => emulator.loseNode(POD, NAMESPACE)],
            ] as const) {
                await withClient(emulator, password, (redis) => redis.set(`survives-${fault}`, "yes"));
                // appendfsync everysec: a write is on disk within about a second.
                await sleep(1500);
                const ipBefore = emulator.podIP(POD, NAMESPACE);
                await inject();
                await emulator.waitFor(
                    async () => {
                        try {
                            return isReady(emulator) && emulator.podIP(POD, NAMESPACE) !== undefined;
                        } catch {
                            return false;
                        }
                    },
                    90000,
                    `${POD} Ready again after the ${fault}`,
                );
                await emulator.waitReady(NAME, { namespace: NAMESPACE, timeoutMs: 90000 });
                if (fault !== "container crash") {
                    assert.notEqual(emulator.podIP(POD, NAMESPACE), ipBefore, `a recreated pod gets a new IP (${fault})`);
                }
                await withClient(emulator, password, async (redis) => {
                    assert.equal(await redis.get(`survives-${fault}`), "yes", `data lost after the ${fault}`);
                });
            }
        });

        it("reports not-ready while Redis loads a large dataset, without liveness killing it", async () => {
            await withClient(emulator, password, async (redis) => {
                const pipeline = redis.pipeline();
                for (let i = 0; i < 150000; i++) {
                    pipeline.set(`bulk:${i}`, "x".repeat(16));
                }
                await pipeline.exec();
                await redis.bgrewriteaof();
                await emulator.waitFor(
                    async () => (await redis.info("persistence")).includes("aof_rewrite_in_progress:0"),
                    30000,
                    "AOF rewrite",
                );
            });
            const before = restarts(emulator);
            await emulator.crashContainer(POD, "redis", NAMESPACE);
            let sawLoadingWhileUnready = false;
            const deadline = Date.now() + 120000;
            while (Date.now() < deadline) {
                const redis = connect(emulator, password);
                const reply = await redis
                    .connect()
                    .then(() => redis.ping())
                    .catch((e: Error) => e.message);
                redis.disconnect();
                if (/LOADING/.test(String(reply))) {
                    assert.equal(isReady(emulator), false, "a loading Redis must not be Ready");
                    sawLoadingWhileUnready = true;
                }
                if (reply === "PONG" && sawLoadingWhileUnready) {
                    break;
                }
                await sleep(500);
            }
            assert.ok(sawLoadingWhileUnready, "Redis was never seen loading");
            await emulator.waitReady(NAME, { namespace: NAMESPACE, timeoutMs: 60000 });
            assert.equal(restarts(emulator), before + 1, "liveness must not restart a loading Redis");
            await withClient(emulator, password, async (redis) => assert.equal((await redis.dbsize()) >= 150000, true));
        });

        it("restarts a Redis that stops answering (liveness)", async () => {
            const before = restarts(emulator);
            await emulator.freeze(POD, "redis", NAMESPACE);
            await emulator.waitFor(() => restarts(emulator) > before, 90000, "a liveness restart");
            await emulator.waitReady(NAME, { namespace: NAMESPACE, timeoutMs: 60000 });
            await withClient(emulator, password, async (redis) => assert.equal(await redis.ping(), "PONG"));
        });

        it("rolls the pod on a config change, and the new setting is live", async () => {
            const changed = await renderRedis(
                NAME,
                { ...DURABLE, config: { ...DURABLE.config, "maxmemory-policy": "allkeys-lfu" } },
                { showSecrets: true },
            );
            // The Secret keeps the deployed password, as the stack state would.
            const secret = changed.find((o) => o.kind === "Secret") as Loose;
            secret.stringData.password = password;
            const ipBefore = emulator.podIP(POD, NAMESPACE);
            await emulator.apply(changed);
            await emulator.waitFor(
                () => {
                    try {
                        return emulator.podIP(POD, NAMESPACE) !== ipBefore && isReady(emulator);
                    } catch {
                        return false;
                    }
                },
                90000,
                "the rolled pod",
            );
            await emulator.waitReady(NAME, { namespace: NAMESPACE, timeoutMs: 60000 });
            await withClient(emulator, password, async (redis) => {
                assert.equal(((await redis.config("GET", "maxmemory-policy")) as string[])[1], "allkeys-lfu");
                assert.equal(await redis.get("survives-node loss"), "yes");
            });
        });
    });

    describe("cache (persistence off)", () => {
        let emulator: Emulator;
        let password: string;

        before(async () => {
            ({ emulator, password } = await deploy({
                namespace: NAMESPACE,
                persistence: { enabled: false },
                resources: { limits: { memory: "128Mi" } },
            }));
        });
        after(() => teardown(emulator));

        it("loses its data when the pod is recreated, as documented", async () => {
            await withClient(emulator, password, async (redis) => {
                await redis.set("ephemeral", "yes");
                assert.equal(((await redis.config("GET", "appendonly")) as string[])[1], "no");
            });
            await emulator.deletePod(POD, { graceful: true, namespace: NAMESPACE });
            await emulator.waitReady(NAME, { namespace: NAMESPACE, timeoutMs: 60000 });
            await withClient(emulator, password, async (redis) => assert.equal(await redis.get("ephemeral"), null));
        });
    });

    describe("npm run emulate", () => {
        /** Starts the command, waits for its JSON line, and checks the connection it reports. */
        async function startEmulate(command: string, args: string[]) {
            const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk) => (stdout += chunk));
            child.stderr.on("data", (chunk) => (stderr += chunk));
            const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
                child.once("exit", (code, signal) => resolve({ code, signal })),
            );
            const deadline = Date.now() + 120000;
            while (!stdout.includes("\n")) {
                if (Date.now() > deadline || child.exitCode !== null) {
                    process.kill(-(child.pid as number), "SIGKILL");
                    throw new Error(`emulate did not report ready:\n${stderr}`);
                }
                await sleep(200);
            }
            const lines = stdout.trim().split("\n");
            assert.equal(lines.length, 1, stdout);
            const report = JSON.parse(lines[0]);
            assert.equal(report.ready, true);
            assert.match(report.pods["redis-0"], /^10\.\d+\.\d+\.\d+$/);
            assert.equal(report.connection.port, 6379);
            const redis = new Redis({
                host: report.connection.host,
                port: 6379,
                password: report.connection.password,
                lazyConnect: true,
                maxRetriesPerRequest: 0,
            });
            await redis.connect();
            assert.equal(await redis.set("via-emulate", "1"), "OK");
            redis.disconnect();
            return { child, exited, stderr: () => stderr };
        }

        it("prints one JSON line when every pod is Ready, serves the connection, and cleans up on Ctrl-C", async () => {
            const { child, exited } = await startEmulate("npm", ["run", "-s", "emulate", "--", "--stack", "local"]);
            // A terminal's Ctrl-C signals the whole process group: npm and the emulator.
            process.kill(-(child.pid as number), "SIGINT");
            await exited;
            await emulatorGone();
        });

        it("tears everything down and exits 0 on SIGTERM", async () => {
            const { child, exited, stderr } = await startEmulate(process.execPath, [
                "-r",
                "ts-node/register/transpile-only",
                "tests/emulator/cli.ts",
                "--stack",
                "local",
            ]);
            child.kill("SIGTERM");
            assert.deepEqual(await exited, { code: 0, signal: null }, stderr());
            assert.deepEqual(leftovers(), []);
        });
    });
});
