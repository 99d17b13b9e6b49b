import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { RedisArgs } from "../../sdk/api/args";
import { PATHS, REDIS_PORT } from "../../sdk/core/constants";
import { resolveSettings } from "../../sdk/core/settings";
import { renderRedisConf } from "../../sdk/render/conf/redis-conf";
import { requireTools } from "../support/requirements";

/**
 * The memory lines of the rendered redis.conf, run by the real redis-server: maxmemory-clients
 * is what the settings promise, and it does disconnect a client whose buffers grow past it,
 * which nothing else does (the default client-output-buffer-limit of normal clients is none).
 */
const PASSWORD = "Zq9f3kT0aXw2LrP8mN4vB7cY1dE6gH5j";

interface Started {
    child: ChildProcess;
    dir: string;
    port: number;
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net
            .createServer()
            .listen(0, "127.0.0.1", () => {
                const { port } = server.address() as net.AddressInfo;
                server.close(() => resolve(port));
            })
            .on("error", reject);
    });
}

/** redis-server with the rendered redis.conf; only its paths and port are moved to a temporary directory. */
async function start(args: RedisArgs): Promise<Started> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maxmemory-clients-"));
    const port = await freePort();
    const conf = renderRedisConf(resolveSettings("cache", args))
        .replace(`dir ${PATHS.dataDir}`, `dir ${dir}`)
        .replace(`include ${PATHS.authConf}`, `include ${path.join(dir, "auth.conf")}`)
        .replace(`port ${REDIS_PORT}`, `port ${port}`)
        .replace("bind * -::*", "bind 127.0.0.1");
    fs.writeFileSync(path.join(dir, "auth.conf"), `requirepass ${PASSWORD}\n`);
    fs.writeFileSync(path.join(dir, "redis.conf"), conf);
    const child = spawn("redis-server", [path.join(dir, "redis.conf")], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    const deadline = Date.now() + 20000;
    while (!output.includes("Ready to accept connections")) {
        if (child.exitCode !== null || Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`redis-server did not start:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    return { child, dir, port };
}

async function stop(server: Started | undefined): Promise<void> {
    if (server && server.child.exitCode === null) {
        const exited = new Promise((r) => server.child.once("exit", r));
        server.child.kill("SIGKILL");
        await exited;
    }
    if (server) {
        fs.rmSync(server.dir, { recursive: true, force: true });
    }
}

function connect(server: Started): Redis {
    return new Redis({ port: server.port, host: "127.0.0.1", password: PASSWORD, maxRetriesPerRequest: 0, retryStrategy: () => null });
}

/** A client that sends GETs of a big value and never reads the replies: its output buffer grows on the server. */
async function slowReader(server: Started, key: string, requests: number): Promise<{ closed: Promise<void> }> {
    const socket = net.connect(server.port, "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise((r) => socket.once("connect", r));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.pause();
    socket.write(`AUTH ${PASSWORD}\r\n` + `GET ${key}\r\n`.repeat(requests));
    return { closed };
}

describe("redis-server bounds client buffers with the rendered maxmemory-clients", function () {
    this.timeout(60000);
    before(function () {
        requireTools(this, ["redis-server"]);
    });

    let server: Started | undefined;
    afterEach(async () => {
        await stop(server);
        server = undefined;
    });

    it("runs with the maxmemory and maxmemory-clients the settings promise", async () => {
        const args: RedisArgs = { resources: { limits: { memory: "512Mi" } } };
        const { memory } = resolveSettings("cache", args);
        server = await start(args);
        const redis = connect(server);
        const get = async (name: string) => ((await redis.config("GET", name)) as string[])[1];
        assert.equal(Number(await get("maxmemory")), memory.maxmemoryBytes);
        assert.equal(Number(await get("maxmemory-clients")), memory.maxmemoryClientsBytes);
        assert.equal(memory.maxmemoryClientsBytes, 38 * 2 ** 20, "(512 - 358) / 4 = 38.5 MiB");
        redis.disconnect();
    });

    it("takes an override from config", async () => {
        server = await start({ config: { "maxmemory-clients": "64mb" } });
        const redis = connect(server);
        assert.equal(((await redis.config("GET", "maxmemory-clients")) as string[])[1], String(64 * 2 ** 20));
        redis.disconnect();
    });

    it("disconnects a client whose output buffer outgrows the bound, and keeps serving the others", async () => {
        // The smallest container: 32Mi, maxmemory 22Mi, maxmemory-clients 2Mi.
        const args: RedisArgs = { resources: { requests: { memory: "32Mi" }, limits: { memory: "32Mi" } } };
        assert.equal(resolveSettings("cache", args).memory.maxmemoryClientsBytes, 2 * 2 ** 20);
        server = await start(args);
        const redis = connect(server);
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
