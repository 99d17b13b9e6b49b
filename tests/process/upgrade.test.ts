import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { Engine, RedisArgs } from "../../sdk/api/args";
import { podPaths } from "./pod";
import { hasCommand } from "../support/requirements";
import { requireEngine } from "./engines";
import { client, poll, Server, startServer, stopServer } from "./pod";

/**
 * What a change of the default image does to a persisted dataset: a /data written by Redis 7.0.15
 * (the previous default, this host's Debian binary) with the rendered configuration (AOF with its
 * RDB preamble, an incremental AOF and the final RDB snapshot), loaded by Redis 8.0.2 and by
 * Valkey 8.1.1; and a /data that Redis 8.0.2 rewrote, offered to Valkey 8.1.1.
 */
const OLD: RedisArgs = { image: "docker.io/library/redis:7.0.15-bookworm" };

/** Every type, every encoding a small and a large value gets, and a key with a TTL. */
async function writeDataset(redis: Redis, part: "before rewrite" | "after rewrite"): Promise<void> {
    const p = part === "before rewrite" ? "a" : "b";
    const pipeline = redis.pipeline();
    for (let i = 0; i < 5000; i++) pipeline.set(`${p}:string:${i}`, `value-${i}`);
    pipeline.set(`${p}:binary`, Buffer.from([0, 1, 2, 255, 254, 13, 10]));
    pipeline.set(`${p}:int`, "12345");
    pipeline.hset(`${p}:hash:small`, { f1: "v1", f2: "v2" });
    pipeline.hset(`${p}:hash:large`, Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`])));
    pipeline.rpush(`${p}:list:small`, "x", "y", "z");
    pipeline.rpush(`${p}:list:large`, ...Array.from({ length: 2000 }, (_, i) => `item-${i}`));
    pipeline.sadd(`${p}:set:int`, 1, 2, 3, 4);
    pipeline.sadd(`${p}:set:small`, "a", "b", "c");
    pipeline.sadd(`${p}:set:large`, ...Array.from({ length: 1000 }, (_, i) => `m${i}`));
    pipeline.zadd(`${p}:zset:small`, 1, "one", 2.5, "two and a half");
    pipeline.zadd(`${p}:zset:large`, ...Array.from({ length: 500 }, (_, i) => [i / 3, `z${i}`]).flat());
    pipeline.xadd(`${p}:stream`, "1-1", "field", "value");
    pipeline.xadd(`${p}:stream`, "2-1", "field", "other");
    pipeline.set(`${p}:expiring`, "soon", "EX", 86400);
    await pipeline.exec();
}

/** Everything the dataset holds, read back through the commands (DUMP payloads differ by version). */
async function readDataset(redis: Redis): Promise<Record<string, unknown>> {
    const keys = (await redis.keys("*")).sort();
    const result: Record<string, unknown> = { dbsize: await redis.dbsize() };
    for (const key of keys) {
        const type = await redis.type(key);
        switch (type) {
            case "string":
                result[key] = (await redis.getBuffer(key))!.toString("hex");
                break;
            case "hash":
                result[key] = await redis.hgetall(key);
                break;
            case "list":
                result[key] = await redis.lrange(key, 0, -1);
                break;
            case "set":
                result[key] = (await redis.smembers(key)).sort();
                break;
            case "zset":
                // As numbers: 7.0 replies with 17 significant digits (9.6666666666666661), 7.2 and
                // later with the shortest form that reads back the same double (9.666666666666666).
                result[key] = (await redis.zrange(key, 0, -1, "WITHSCORES")).map((item, i) => (i % 2 === 1 ? Number(item) : item));
                break;
            case "stream":
                result[key] = await redis.xrange(key, "-", "+");
                break;
            default:
                result[key] = `unexpected type ${type}`;
        }
        if (key.endsWith(":expiring")) {
            const ttl = await redis.ttl(key);
            result[`${key} has a TTL`] = ttl > 0 && ttl <= 86400;
        }
    }
    return result;
}

/** The RDB format version at the head of an RDB file (or an AOF's RDB preamble): "REDIS0011" is 11. */
function rdbVersion(file: string): number {
    const head = Buffer.alloc(9);
    const fd = fs.openSync(file, "r");
    try {
        fs.readSync(fd, head, 0, 9, 0);
    } finally {
        fs.closeSync(fd);
    }
    assert.match(head.toString("latin1"), /^REDIS[0-9]{4}$/, file);
    return Number(head.toString("latin1").slice(5));
}

/** The RDB versions of /data's files: dump.rdb and the AOF's base. */
function dataFiles(root: string): { dumpRdb: number; aofBase: number; aofFiles: string[] } {
    const data = podPaths(root).dataDir;
    const aofDir = path.join(data, "appendonlydir");
    const aofFiles = fs.readdirSync(aofDir).sort();
    const base = aofFiles.find((f) => f.endsWith(".base.rdb"));
    assert.ok(base, `an RDB-preamble base in ${aofFiles.join(", ")}`);
    return { dumpRdb: rdbVersion(path.join(data, "dump.rdb")), aofBase: rdbVersion(path.join(aofDir, base)), aofFiles };
}

/** A copy of a pod root: each case starts from the same files. */
function copyRoot(root: string): string {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "redis-pod-"));
    fs.cpSync(root, copy, { recursive: true });
    return copy;
}

/** SIGTERM, as the kubelet stops the container; the server saves and exits 0. */
async function stopCleanly(server: Server): Promise<void> {
    process.kill(server.pid, "SIGTERM");
    assert.deepEqual(await server.exited, { code: 0, signal: null }, server.log());
}

describe("upgrade: a /data written by redis 7.0.15 with the rendered configuration, loaded by redis 8.0.2 and valkey 8.1.1", function () {
    this.timeout(180000);
    let written: { root: string; dataset: Record<string, unknown> } | undefined;
    const roots: string[] = [];
    let server: Server | undefined;

    before(async function () {
        requireEngine(this, "redis");
        requireEngine(this, "valkey");
        if (!hasCommand("redis-server") || !/v=7\.0\./.test(execFileSync("redis-server", ["--version"], { encoding: "utf8" }))) {
            const message = "needs this host's redis-server 7.0 (Debian bookworm's) as the old version";
            if (process.env.CI) throw new Error(message);
            console.warn(`\n  !!! SKIPPED "${this.test?.parent?.title}": ${message}\n`);
            this.skip();
        }
        // Half the data in the AOF's RDB preamble (after a rewrite), half in the incremental AOF;
        // the stop writes the final dump.rdb.
        const old = await startServer("redis", OLD, { hostBinaries: true });
        const redis = client(old, old.password);
        await redis.connect();
        assert.match((await redis.info("server")) as string, /redis_version:7\.0\.15/);
        await writeDataset(redis, "before rewrite");
        await redis.bgrewriteaof();
        await poll("the AOF rewrite", 30000, async () =>
            /aof_rewrite_in_progress:0/.test(await redis.info("persistence")) &&
            /aof_rewrite_scheduled:0/.test(await redis.info("persistence"))
                ? true
                : undefined,
        );
        await writeDataset(redis, "after rewrite");
        const dataset = await readDataset(redis);
        redis.disconnect();
        await stopCleanly(old);
        written = { root: old.root, dataset };
        roots.push(old.root);
    });

    afterEach(async () => {
        await stopServer(server, true);
        server = undefined;
    });
    after(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

    async function load(engine: Engine, root: string, args: RedisArgs = {}): Promise<{ server: Server; dataset: Record<string, unknown> }> {
        server = await startServer(engine, args, { root });
        const redis = client(server, server.password);
        await redis.connect();
        const dataset = await readDataset(redis);
        redis.disconnect();
        return { server, dataset };
    }

    it("7.0.15 wrote RDB format 10: the AOF's base, and dump.rdb", () => {
        const files = dataFiles(written!.root);
        console.log(
            `      redis 7.0.15 /data: dump.rdb RDB ${files.dumpRdb}, appendonlydir ${files.aofFiles.join(" ")} (base RDB ${files.aofBase})`,
        );
        assert.deepEqual([files.dumpRdb, files.aofBase], [10, 10]);
    });

    it("redis 8.0.2 loads it from the AOF: every key, value and TTL intact; its next rewrite and stop write RDB format 12", async () => {
        const root = copyRoot(written!.root);
        roots.push(root);
        const loaded = await load("redis", root);
        assert.deepEqual(loaded.dataset, written!.dataset);
        assert.match(loaded.server.log(), /Loading RDB produced by version 7\.0\.15/);
        assert.match(loaded.server.log(), /DB loaded from (append only file|incr file)|Done loading AOF|DB loaded from base file/);
        // Until it rewrites the AOF and saves, 8.0 keeps 7.0's files; then they are its own.
        const redis = client(loaded.server, loaded.server.password);
        await redis.connect();
        await redis.bgrewriteaof();
        await poll("the AOF rewrite", 30000, async () =>
            /aof_rewrite_in_progress:0/.test(await redis.info("persistence")) ? true : undefined,
        );
        await poll("the rewrite's base", 30000, () => (dataFiles(root).aofBase === 12 ? true : undefined));
        redis.disconnect();
        await stopCleanly(loaded.server);
        const files = dataFiles(root);
        console.log(
            `      after redis 8.0.2: dump.rdb RDB ${files.dumpRdb}, appendonlydir ${files.aofFiles.join(" ")} (base RDB ${files.aofBase})`,
        );
        assert.deepEqual([files.dumpRdb, files.aofBase], [12, 12]);
        // A restart of 8.0.2 on its own files.
        assert.deepEqual((await load("redis", root)).dataset, written!.dataset);
    });

    it("redis 8.0.2 loads 7.0.15's dump.rdb alone (AOF off): intact", async () => {
        const root = copyRoot(written!.root);
        roots.push(root);
        fs.rmSync(path.join(podPaths(root).dataDir, "appendonlydir"), { recursive: true });
        const loaded = await load("redis", root, { persistence: { aof: false } });
        assert.deepEqual(loaded.dataset, written!.dataset);
        assert.match(loaded.server.log(), /Loading RDB produced by version 7\.0\.15/);
    });

    it("valkey 8.1.1 loads 7.0.15's /data: intact", async () => {
        const root = copyRoot(written!.root);
        roots.push(root);
        const loaded = await load("valkey", root);
        assert.deepEqual(loaded.dataset, written!.dataset);
        assert.match(loaded.server.log(), /Loading RDB produced by [a-z]* ?version 7\.0\.15/i);
    });

    it("valkey 8.1.1 refuses the /data of redis 8.0.2 (RDB format 12) and exits; the files are left as they were", async () => {
        const root = copyRoot(written!.root);
        roots.push(root);
        const upgraded = await load("redis", root);
        const redis = client(upgraded.server, upgraded.server.password);
        await redis.connect();
        await redis.bgrewriteaof();
        await poll("the rewrite's base", 30000, () => (dataFiles(root).aofBase === 12 ? true : undefined));
        redis.disconnect();
        await stopCleanly(upgraded.server);
        const before = dataFiles(root);
        const variants: { files: string; args: RedisArgs }[] = [
            { files: "AOF (RDB base)", args: {} },
            { files: "dump.rdb (AOF off)", args: { persistence: { aof: false } } },
            // Valkey 8.1's rdb-version-check relaxed does not make it read format 12 either.
            { files: "AOF, with rdb-version-check relaxed", args: { config: { "rdb-version-check": "relaxed" } } },
        ];
        for (const { files, args } of variants) {
            server = await startServer("valkey", args, { root, waitReady: false });
            const exit = await server.exited;
            const log = server.log();
            console.log(
                `      valkey 8.1.1 on redis 8.0.2's ${files}: exit ${exit.code}: ${/Can't handle RDB format version.*/.exec(log)?.[0].trim()}`,
            );
            assert.notEqual(exit.code, 0, log);
            assert.match(log, /Can't handle RDB format version 12/);
            assert.doesNotMatch(log, /Ready to accept connections/);
            server = undefined;
        }
        assert.deepEqual(dataFiles(root), before);
    });

    it("redis 7.0.15 refuses the /data of redis 8.0.2 too: going back is a restore from a backup", async () => {
        const root = copyRoot(written!.root);
        roots.push(root);
        const upgraded = await load("redis", root);
        await stopCleanly(upgraded.server);
        assert.equal(dataFiles(root).dumpRdb, 12);
        server = await startServer("redis", { ...OLD, persistence: { aof: false } }, { root, waitReady: false, hostBinaries: true });
        const exit = await server.exited;
        assert.notEqual(exit.code, 0, server.log());
        assert.match(server.log(), /Can't handle RDB format version 12/);
        server = undefined;
    });
});
