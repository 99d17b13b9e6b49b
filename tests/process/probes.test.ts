import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import Redis from "ioredis";
import { requireTools } from "../support/requirements";
import { ENGINES, engineTitle, requireEngine } from "./engines";
import { client, newPodRoot, poll, probe, probeTimeoutMs, requireRoot, Run, Server, startServer, stopServer, tmpfsData } from "./pod";

/**
 * The rendered probes against a real redis-server in each state an operator meets. Liveness
 * fails only when Redis refuses the connection or does not answer within the probe's timeout;
 * any reply, error replies included, is a live server. Readiness passes only on PONG and says
 * why it fails. Startup is liveness' test (it only holds liveness off until the first answer).
 */
for (const engine of ENGINES) {
    describe(`probes on a real server: liveness fails only without an answer, readiness says why (${engine})`, function () {
        this.timeout(180000);
        before(function () {
            requireEngine(this, engine);
            requireTools(this, ["timeout"]);
        });

        let server: Server | undefined;
        let redis: Redis | undefined;
        let cleanup: (() => Promise<void>) | undefined;
        afterEach(async () => {
            redis?.disconnect();
            redis = undefined;
            await stopServer(server, true);
            await cleanup?.();
            cleanup = undefined;
            if (server) fs.rmSync(server.root, { recursive: true, force: true });
            server = undefined;
        });

        async function connect(s: Server): Promise<Redis> {
            redis = client(s, s.password);
            await redis.connect();
            return redis;
        }

        /** Live (startup and liveness pass, silently), not ready, and readiness says `why`. */
        async function assertAliveNotReady(s: Server, why: RegExp): Promise<Run> {
            for (const kind of ["liveness", "startup"] as const) {
                const result = await probe(s, kind);
                assert.deepEqual({ kind, code: result.code, output: result.output }, { kind, code: 0, output: "" });
            }
            const readiness = await probe(s, "readiness");
            assert.equal(readiness.code, 1, readiness.output);
            assert.match(readiness.output, why);
            return readiness;
        }

        it("healthy: every probe passes, silently", async () => {
            server = await startServer(engine, {});
            for (const kind of ["startup", "readiness", "liveness"] as const) {
                const result = await probe(server, kind);
                assert.deepEqual({ kind, code: result.code, output: result.output }, { kind, code: 0, output: "" });
            }
        });

        it("MISCONF (AOF and RDB on a full disk): alive and still serving reads, not ready, and readiness says why", async function () {
            requireRoot(this, "mounts a tmpfs as the full disk");
            const root = newPodRoot();
            const disk = await tmpfsData(root, "1m");
            cleanup = async () => {
                await disk.unmount();
                fs.rmSync(root, { recursive: true, force: true });
            };
            server = await startServer(engine, {}, { root });
            const r = await connect(server);
            await r.set("before", "full");
            // Random (incompressible) values until the disk refuses them.
            const refused = await poll("a write refused with MISCONF", 60000, async () => {
                try {
                    await r.set(`fill:${crypto.randomUUID()}`, crypto.randomBytes(64 * 1024).toString("base64"));
                    return undefined;
                } catch (error) {
                    return String(error);
                }
            });
            assert.match(refused, /MISCONF/);
            await assert.rejects(r.ping(), /MISCONF/);
            assert.equal(await r.get("before"), "full", "reads are still served");
            await assertAliveNotReady(
                server,
                /^probe readiness: not serving: MISCONF .*(No space left on device|unable to persist to disk)/m,
            );
            // A failed background save (the neighbour: the RDB side of a full disk) answers MISCONF too.
            await r.bgsave().catch(() => undefined);
            await poll("the background save to fail", 30000, async () =>
                (await r.info("persistence")).includes("rdb_last_bgsave_status:err") ? true : undefined,
            );
            await assertAliveNotReady(server, /^probe readiness: not serving: MISCONF /m);
            // Space again: serving again, without a restart.
            await disk.resize("64m");
            await poll("PONG once the disk has room", 30000, async () => {
                await r.bgsave().catch(() => undefined);
                return (await probe(server!, "readiness")).code === 0 || undefined;
            });
        });

        it("LOADING while a large dataset loads: alive, not ready until it is loaded", async () => {
            server = await startServer(engine, { persistence: { aof: false } });
            const r = await connect(server);
            const batch = 500000;
            for (let offset = 0; offset < 2000000; offset += batch) {
                await r.eval(
                    "for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'key:' .. (ARGV[2] + i), 'value:' .. i .. string.rep('v', 50)) end",
                    0,
                    batch,
                    offset,
                );
            }
            await r.save();
            r.disconnect();
            await stopServer(server, true);
            server = await startServer(engine, { persistence: { aof: false } }, { root: server.root, waitReady: false });
            // Probes sandwiched between two readiness probes that both saw LOADING ran while it loaded.
            const observed = await poll("liveness and startup run while readiness reports LOADING", 60000, async () => {
                const first = await probe(server!, "readiness");
                if (!/LOADING/.test(first.output)) return undefined;
                const liveness = await probe(server!, "liveness");
                const startup = await probe(server!, "startup");
                const last = await probe(server!, "readiness");
                return /LOADING/.test(last.output) ? { first, liveness, startup, last } : undefined;
            });
            assert.deepEqual([observed.liveness.code, observed.liveness.output], [0, ""]);
            assert.deepEqual([observed.startup.code, observed.startup.output], [0, ""]);
            assert.equal(observed.first.code, 1);
            assert.match(
                observed.first.output,
                new RegExp(`^probe readiness: not serving: LOADING ${engineTitle(engine)} is loading the dataset in memory$`, "m"),
            );
            await poll("readiness once loaded", 60000, async () => ((await probe(server!, "readiness")).code === 0 ? true : undefined));
            assert.match(server.log(), /keys loaded: 2000000/);
        });

        it("BUSY from a long Lua script: alive, not ready while it runs, ready after SCRIPT KILL", async () => {
            server = await startServer(engine, {});
            const busy = client(server, server.password);
            await busy.connect();
            const script = busy.eval("while true do end", 0).catch((error: Error) => error);
            try {
                // Redis answers BUSY once the script has run for busy-reply-threshold (5 s); before,
                // it does not answer at all, as any blocked event loop.
                await poll("readiness to report BUSY", 60000, async () =>
                    /BUSY/.test((await probe(server!, "readiness")).output) ? true : undefined,
                );
                await assertAliveNotReady(
                    server,
                    new RegExp(`^probe readiness: not serving: BUSY ${engineTitle(engine)} is busy running a script`, "m"),
                );
                const killer = await connect(server);
                assert.equal(await killer.script("KILL"), "OK");
                assert.match(String(await script), /ERR Error running script.*killed by user|Script killed/i);
                assert.equal((await probe(server, "readiness")).code, 0);
            } finally {
                busy.disconnect();
            }
        });

        it("NOAUTH/WRONGPASS (the Secret's password changed under the running server): alive, not ready, says why", async () => {
            server = await startServer(engine, {});
            fs.rmSync(server.paths.passwordFile);
            fs.writeFileSync(server.paths.passwordFile, "the-new-password", { mode: 0o440 });
            const readiness = await assertAliveNotReady(
                server,
                /^probe readiness: not serving: AUTH failed: WRONGPASS .*NOAUTH Authentication required\.$/m,
            );
            assert.ok(
                !readiness.output.includes("the-new-password") && !readiness.output.includes(server.password),
                "no password in the output",
            );
        });

        it("frozen (SIGSTOP): startup and liveness fail within the kubelet's timeout, saying so; SIGCONT: live again", async () => {
            server = await startServer(engine, {});
            process.kill(server.pid, "SIGSTOP");
            try {
                for (const kind of ["liveness", "startup", "readiness"] as const) {
                    const result = await probe(server, kind);
                    assert.equal(result.code, 1, kind);
                    assert.ok(
                        result.ms < probeTimeoutMs(server, kind),
                        `${kind} took ${result.ms} ms, the kubelet gives up at ${probeTimeoutMs(server, kind)}`,
                    );
                    assert.match(result.output, new RegExp(`^probe ${kind}: no answer from redis within \\d+s$`, "m"));
                }
            } finally {
                process.kill(server.pid, "SIGCONT");
            }
            for (const kind of ["liveness", "startup", "readiness"] as const) {
                assert.equal((await probe(server, kind)).code, 0, kind);
            }
        });

        it("refused (the server not running): every probe fails at once, saying so", async () => {
            server = await startServer(engine, {});
            await stopServer(server, true);
            for (const kind of ["liveness", "startup", "readiness"] as const) {
                const result = await probe(server, kind);
                assert.equal(result.code, 1, kind);
                assert.ok(result.ms < probeTimeoutMs(server, kind), `${kind} took ${result.ms} ms`);
                assert.match(
                    result.output,
                    new RegExp(
                        `^probe ${kind}: no connection to redis: Could not connect to ${engineTitle(engine)} at 127\\.0\\.0\\.1:${server.port}: Connection refused$`,
                        "m",
                    ),
                );
            }
        });
    });
}
