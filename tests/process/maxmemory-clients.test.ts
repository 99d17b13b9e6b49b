import { strict as assert } from "assert";
import * as net from "net";
import Redis from "ioredis";
import { RedisArgs } from "../../sdk/api/args";
import { resolveSettings } from "../../sdk/core/settings";
import { ENGINES, requireEngine } from "./engines";
import { client, Server, startServer, stopServer } from "./pod";

/**
 * The memory lines of the rendered redis.conf, run by the real redis-server: maxmemory-clients
 * is what the settings promise, and it does disconnect a client whose buffers grow past it,
 * which nothing else does (the default client-output-buffer-limit of normal clients is none).
 */

/** A client that sends GETs of a big value and never reads the replies: its output buffer grows on the server. */
async function slowReader(server: Server, key: string, requests: number): Promise<{ closed: Promise<void> }> {
    const socket = net.connect(server.port, "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise((r) => socket.once("connect", r));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.pause();
    socket.write(`AUTH ${server.password}\r\n` + `GET ${key}\r\n`.repeat(requests));
    return { closed };
}

for (const engine of ENGINES) {
    describe(`the engine bounds client buffers with the rendered maxmemory-clients (${engine})`, function () {
        this.timeout(60000);
        before(function () {
            requireEngine(this, engine);
        });

        let server: Server | undefined;
        afterEach(async () => {
            await stopServer(server);
            server = undefined;
        });

        async function connect(started: Server): Promise<Redis> {
            const redis = client(started, started.password);
            await redis.connect();
            return redis;
        }

        it("runs with the maxmemory and maxmemory-clients the settings promise", async () => {
            const args: RedisArgs = { resources: { limits: { memory: "512Mi" } } };
            const { memory } = resolveSettings("cache", args);
            server = await startServer(engine, args);
            const redis = await connect(server);
            const get = async (name: string) => ((await redis.config("GET", name)) as string[])[1];
            assert.equal(Number(await get("maxmemory")), memory.maxmemoryBytes);
            assert.equal(Number(await get("maxmemory-clients")), memory.maxmemoryClientsBytes);
            assert.equal(memory.maxmemoryClientsBytes, 38 * 2 ** 20, "(512 - 358) / 4 = 38.5 MiB");
            redis.disconnect();
        });

        it("takes an override from config", async () => {
            server = await startServer(engine, { config: { "maxmemory-clients": "64mb" } });
            const redis = await connect(server);
            assert.equal(((await redis.config("GET", "maxmemory-clients")) as string[])[1], String(64 * 2 ** 20));
            redis.disconnect();
        });

        it("disconnects a client whose output buffer outgrows the bound, and keeps serving the others", async () => {
            // The smallest container: 32Mi, maxmemory 22Mi, maxmemory-clients 2Mi.
            const args: RedisArgs = { resources: { requests: { memory: "32Mi" }, limits: { memory: "32Mi" } } };
            assert.equal(resolveSettings("cache", args).memory.maxmemoryClientsBytes, 2 * 2 ** 20);
            server = await startServer(engine, args);
            const redis = await connect(server);
            await redis.set("big", "x".repeat(512 * 1024));
            // 200 replies of 512 KiB: 100 MiB that the kernel's socket buffers cannot absorb.
            const reader = await slowReader(server, "big", 200);
            const evicted = await Promise.race([reader.closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 20000))]);
            assert.equal(evicted, true, "the slow reader was disconnected");
            const stats = (await redis.info("stats")) as string;
            assert.match(stats, /evicted_clients:[1-9]/);
            assert.equal(await redis.ping(), "PONG");
            redis.disconnect();
        });
    });
}
