import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import { RedisArgs } from "../../sdk/api/args";
import { serverContainer } from "../../sdk/render/objects/server";
import { Loose } from "../support/loose";
import { requireTools } from "../support/requirements";
import { ENGINES, engineTitle, requireEngine } from "./engines";
import { client, inPod, newPodRoot, poll, Run, run, Server, startServer, stopServer, tmpfsData } from "./pod";

/**
 * Stopping the server as the kubelet stops the container: the rendered preStop hook, if there is
 * one, run inside the container's PID namespace; then SIGTERM to the container's PID 1 (the
 * redis-server the start script execs); SIGKILL when the grace period is over. Then a restart
 * from the same /data, which must hold every write a client saw acknowledged.
 */

/** Parallel clients writing `w:<client>:<n>` until their first error; `acked` holds every key Redis answered OK to. */
function startWriters(server: Server, writers: number, valueBytes: number) {
    const acked: string[] = [];
    const errors: string[] = [];
    let attempted = 0;
    const value = crypto.randomBytes(Math.ceil(valueBytes / 2)).toString("hex");
    const done = Promise.all(
        Array.from({ length: writers }, async (_, id) => {
            const redis = client(server, server.password);
            try {
                await redis.connect();
                for (let n = 0; ; n++) {
                    const key = `w:${id}:${n}`;
                    attempted++;
                    try {
                        assert.equal(await redis.set(key, value), "OK");
                    } catch (error) {
                        errors.push(String(error));
                        return;
                    }
                    acked.push(key);
                }
            } finally {
                redis.disconnect();
            }
        }),
    );
    return { acked, errors, done, attempted: () => attempted };
}

/** The acknowledged keys missing after a restart. */
async function missing(server: Server, keys: string[]): Promise<string[]> {
    const redis = client(server, server.password);
    await redis.connect();
    try {
        const lost: string[] = [];
        for (let i = 0; i < keys.length; i += 1000) {
            const chunk = keys.slice(i, i + 1000);
            const exists = (await redis.pipeline(chunk.map((key) => ["exists", key])).exec())!.map(([, n]) => n);
            chunk.forEach((key, j) => exists[j] === 1 || lost.push(key));
        }
        return lost;
    } finally {
        redis.disconnect();
    }
}

/** The rendered preStop hook, run as the kubelet runs it: inside the container (its PID namespace). */
async function runPreStopHook(server: Server): Promise<Run | undefined> {
    const preStop = (serverContainer(server.settings) as Loose).lifecycle?.preStop;
    if (!preStop) return undefined;
    return run(server, ["nsenter", "--target", String(server.pid), "--pid", "--", ...inPod(server.root, preStop.exec.command)]);
}

/** The kubelet's stop: preStop hook (if any), SIGTERM, SIGKILL after the grace period. */
async function stopAsKubelet(server: Server, graceMs: number) {
    const began = Date.now();
    const hook = await runPreStopHook(server);
    try {
        process.kill(server.pid, "SIGTERM");
    } catch {
        // gone already (the hook's SHUTDOWN)
    }
    const timer = new Promise<"grace over">((resolve) =>
        setTimeout(() => resolve("grace over"), Math.max(graceMs - (Date.now() - began), 2000)).unref(),
    );
    const outcome = await Promise.race([server.exited, timer]);
    if (outcome === "grace over") {
        process.kill(server.pid, "SIGKILL");
        return { hook, sigkill: true, exit: await server.exited, ms: Date.now() - began };
    }
    return { hook, sigkill: false, exit: outcome, ms: Date.now() - began };
}

for (const engine of ENGINES) {
    describe(`stopping the server as the kubelet does: no hook, SIGTERM to PID 1, nothing acknowledged lost (${engine})`, function () {
        this.timeout(240000);
        before(function () {
            requireEngine(this, engine);
            requireTools(this, ["unshare", "nsenter"]);
            if (process.getuid?.() !== 0) {
                const message = "needs root: runs the server as PID 1 of its own PID namespace, as in a container";
                if (process.env.CI) throw new Error(message);
                console.warn(`\n  !!! SKIPPED "${this.test?.parent?.title}": ${message}\n`);
                this.skip();
            }
        });

        let server: Server | undefined;
        let cleanup: (() => Promise<void>) | undefined;
        afterEach(async () => {
            await stopServer(server, true);
            await cleanup?.();
            cleanup = undefined;
            if (server) fs.rmSync(server.root, { recursive: true, force: true });
            server = undefined;
        });

        it("runs no preStop hook that dies with the container (FailedPreStopHook), and Redis exits 0 on SIGTERM alone", async () => {
            server = await startServer(engine, {}, { pidNamespace: true });
            const stop = await stopAsKubelet(server, server.settings.terminationGracePeriodSeconds * 1000);
            assert.equal(
                stop.hook,
                undefined,
                `a preStop hook ran: exit ${stop.hook?.code}: ${stop.hook?.output} (the kubelet reports FailedPreStopHook)`,
            );
            assert.deepEqual(stop.exit, { code: 0, signal: null }, server.log());
            assert.equal(stop.sigkill, false);
            assert.match(server.log(), /Received SIGTERM scheduling shutdown/);
            assert.match(server.log(), /Calling fsync\(\) on the AOF file/);
            assert.match(server.log(), /Saving the final RDB snapshot before exiting/);
            assert.match(server.log(), new RegExp(`${engineTitle(engine)} is now ready to exit, bye bye`));
        });

        const cases: { title: string; args: RedisArgs; proof: RegExp }[] = [
            { title: "AOF, appendfsync everysec (the default)", args: {}, proof: /Calling fsync\(\) on the AOF file/ },
            {
                title: "AOF, appendfsync always",
                args: { persistence: { appendfsync: "always" } },
                proof: /Calling fsync\(\) on the AOF file/,
            },
            { title: "RDB only (AOF off): the final snapshot", args: { persistence: { aof: false } }, proof: /DB saved on disk/ },
        ];
        for (const { title, args, proof } of cases) {
            it(`loses no acknowledged write on SIGTERM mid-stream, restarted from the same /data: ${title}`, async () => {
                server = await startServer(engine, args, { pidNamespace: true });
                const writes = startWriters(server, 4, 64);
                await poll("3000 acknowledged writes", 120000, () => (writes.acked.length >= 3000 ? true : undefined));
                const stop = await stopAsKubelet(server, server.settings.terminationGracePeriodSeconds * 1000);
                await writes.done;
                assert.deepEqual(stop.exit, { code: 0, signal: null }, server.log());
                assert.match(server.log(), proof);
                const acked = [...writes.acked];
                const first = server;
                server = await startServer(engine, args, { root: first.root });
                const lost = await missing(server, acked);
                console.log(
                    `      ${title}: ${acked.length} acknowledged writes (${writes.attempted()} sent), ${lost.length} lost; stopped in ${stop.ms} ms; writers ended with: ${[...new Set(writes.errors)].join(", ")}`,
                );
                assert.deepEqual(lost, []);
            });
        }

        it("on a full disk: SIGTERM's final save fails, Redis says why and runs on until SIGKILL; what a restart finds", async () => {
            const root = newPodRoot();
            const disk = await tmpfsData(root, "1m");
            cleanup = async () => {
                await disk.unmount();
                fs.rmSync(root, { recursive: true, force: true });
            };
            server = await startServer(engine, {}, { root, pidNamespace: true });
            const writes = startWriters(server, 4, 4096);
            await writes.done;
            assert.match(writes.errors.join("\n"), /MISCONF Errors writing to the AOF file: No space left on device/);
            const acked = [...writes.acked];
            process.kill(server.pid, "SIGTERM");
            const began = Date.now();
            await poll("the failed shutdown in the log", 30000, () =>
                server!.log().includes("Errors trying to shut down the server") ? true : undefined,
            );
            // 7.0: "Write error saving DB on disk: ..."; 8.0 and Valkey 8.1: "Write error while saving DB to the disk(rdbSaveRio): ...".
            assert.match(server.log(), /Write error (saving DB on disk|while saving DB to the disk).*No space left on device/);
            assert.match(server.log(), /Error trying to save the DB, can't exit/);
            // Still running and answering (MISCONF) when the kubelet's grace period would end.
            const redis = client(server, server.password);
            await redis.connect();
            await assert.rejects(redis.ping(), /MISCONF/);
            redis.disconnect();
            assert.equal(server.process.exitCode, null);
            const stillUpMs = Date.now() - began;
            process.kill(server.pid, "SIGKILL");
            // (unshare 2.38 reports its child's death by a signal as exit 1, so the log tells.)
            await server.exited;
            assert.doesNotMatch(server.log(), /ready to exit/);
            await disk.resize("64m");
            const first = server;
            server = await startServer(engine, {}, { root: first.root });
            const lost = await missing(server, acked);
            console.log(
                `      full disk: ${acked.length} acknowledged writes, ${lost.length} lost (${lost.join(", ")}): acknowledged in the event-loop turn whose AOF write failed; still running ${stillUpMs} ms after SIGTERM, then SIGKILL`,
            );
            // appendfsync everysec keeps a failed append in memory to retry it, having answered OK: only
            // the writes of that one turn (at most one per client) can be lost.
            assert.ok(lost.length <= 4, lost.join(", "));
        });
    });
}
