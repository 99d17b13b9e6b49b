import { strict as assert } from "assert";
import * as fs from "fs";
import { resolveSettings } from "../../sdk/core/settings";
import { ENGINES, requireEngine } from "./engines";
import { client, configValue, preparePod, run, Server, startServer, stopServer } from "./pod";

/**
 * The rendered redis.conf and the real pod scripts, run with each engine's server from the image
 * of the version its default image names, as the pod runs them (see pod.ts, engines.ts). The password reaches Redis as in the pod: a file from the Secret, read
 * by the start script. The probes, MISCONF/LOADING/BUSY and the stop are in probes.test.ts and
 * stop.test.ts.
 */
for (const engine of ENGINES) {
    describe(`the engine runs the rendered configuration (${engine})`, function () {
        this.timeout(30000);
        before(function () {
            requireEngine(this, engine);
        });

        let server: Server | undefined;
        afterEach(async () => {
            await stopServer(server);
            server = undefined;
        });

        it("requires AUTH: NOAUTH without a password, WRONGPASS with a wrong one, OK with the Secret's", async () => {
            server = await startServer(engine, {}, { password: "Zq9f3kT0aXw2LrP8mN4vB7cY1dE6gH5j" });
            const anonymous = client(server);
            await anonymous.connect();
            await assert.rejects(anonymous.set("k", "v"), /NOAUTH/);
            await assert.rejects(anonymous.auth("not-the-password"), /WRONGPASS/);
            anonymous.disconnect();
            const authed = client(server, server.password);
            await authed.connect();
            assert.equal(await authed.set("k", "v"), "OK");
            assert.equal(await authed.get("k"), "v");
            authed.disconnect();
        });

        it("applies the durable defaults: AOF every second, RDB save points, maxmemory below the limit, noeviction", async () => {
            server = await startServer(engine, { resources: { limits: { memory: "512Mi" } } }, { password: "p" });
            const redis = client(server, "p");
            await redis.connect();
            const get = (name: string) => configValue(redis, name);
            assert.equal(await get("appendonly"), "yes");
            assert.equal(await get("appendfsync"), "everysec");
            assert.equal(await get("save"), "3600 1 300 100 60 10000");
            assert.equal(
                Number(await get("maxmemory")),
                resolveSettings("c", { resources: { limits: { memory: "512Mi" } } }).memory.maxmemoryBytes,
            );
            assert.equal(Number(await get("maxmemory")), 358 * 2 ** 20);
            assert.equal(await get("maxmemory-policy"), "noeviction");
            redis.disconnect();
        });

        it("runs as a cache with persistence off, and takes extra directives from config", async () => {
            server = await startServer(
                engine,
                { persistence: { enabled: false }, config: { "notify-keyspace-events": "Ex", hz: "20", "lazyfree-lazy-eviction": "yes" } },
                { password: "p" },
            );
            const redis = client(server, "p");
            await redis.connect();
            const get = (name: string) => configValue(redis, name);
            assert.equal(await get("appendonly"), "no");
            assert.equal(await get("save"), "");
            assert.equal(await get("maxmemory-policy"), "allkeys-lru");
            assert.equal(await get("notify-keyspace-events"), "xE");
            assert.equal(await get("hz"), "20");
            redis.disconnect();
        });

        it("accepts a user password with quotes, backslashes and spaces, and keeps it off every command line", async () => {
            const password = `it's a "quoted" pass\\word $(id) %s`;
            server = await startServer(engine, {}, { password });
            const redis = client(server, password);
            await redis.connect();
            assert.equal(await redis.ping(), "PONG");
            redis.disconnect();
            const commandLines = fs
                .readdirSync("/proc")
                .filter((p) => /^\d+$/.test(p))
                .map((pid) => {
                    try {
                        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
                    } catch {
                        return "";
                    }
                });
            assert.ok(commandLines.some((line) => line.includes(server!.settings.engine.serverBinary)));
            assert.ok(!commandLines.some((line) => line.includes("quoted")), "the password is on a command line");
            const authConf = fs.statSync(server.paths.authConf);
            assert.equal(authConf.mode & 0o777, 0o600);
            assert.ok(!fs.readFileSync(server.paths.configFile, "utf8").includes("quoted"));
        });

        it("the start script refuses to start without a password", async () => {
            const pod = await preparePod(engine, {}, { password: "" });
            try {
                const result = await run(pod, pod.command);
                assert.equal(result.code, 1);
                assert.match(result.output, /^start: the password file .* is missing or empty$/m);
            } finally {
                fs.rmSync(pod.root, { recursive: true, force: true });
            }
        });
    });
}
