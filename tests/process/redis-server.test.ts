import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { RedisArgs } from "../../sdk/api/args";
import { PATHS, REDIS_PORT } from "../../sdk/core/constants";
import { configMapData } from "../../sdk/render/objects/config";
import { resolveSettings } from "../../sdk/core/settings";
import { requireTools } from "../support/requirements";

/**
 * The rendered redis.conf and the real pod scripts, run with Debian's redis-server. The
 * password reaches Redis as in the pod: a file from the Secret, read by start.sh. Only the
 * absolute paths (/data, /run/redis, ...) are moved under a temporary directory, and the port
 * to a free one; the pod emulator runs the same files at their real paths.
 */
interface Server {
    process: ChildProcess;
    port: number;
    dir: string;
    password: string;
    env: NodeJS.ProcessEnv;
    log(): string;
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

async function startServer(args: RedisArgs, password: string): Promise<Server> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-conf-test-"));
    const port = await freePort();
    const relocate = (p: string) => path.join(dir, p);
    const data = configMapData(resolveSettings("cache", args));
    for (const sub of [PATHS.dataDir, PATHS.runDir, PATHS.configDir, PATHS.scriptsDir, PATHS.secretDir]) {
        fs.mkdirSync(relocate(sub), { recursive: true });
    }
    const conf = data["redis.conf"]
        .replace(`dir ${PATHS.dataDir}`, `dir ${relocate(PATHS.dataDir)}`)
        .replace(`include ${PATHS.authConf}`, `include ${relocate(PATHS.authConf)}`)
        .replace(`port ${REDIS_PORT}`, `port ${port}`)
        .replace("bind * -::*", "bind 127.0.0.1");
    fs.writeFileSync(relocate(PATHS.configFile), conf);
    for (const [file, text] of Object.entries(data).filter(([key]) => key.endsWith(".sh"))) {
        fs.writeFileSync(path.join(relocate(PATHS.scriptsDir), file), text, { mode: 0o555 });
    }
    fs.writeFileSync(relocate(PATHS.passwordFile), password, { mode: 0o440 });
    const env = {
        PATH: process.env.PATH,
        REDIS_PORT: String(port),
        REDIS_CONF: relocate(PATHS.configFile),
        REDIS_PASSWORD_FILE: relocate(PATHS.passwordFile),
        REDIS_AUTH_CONF: relocate(PATHS.authConf),
    };
    let output = "";
    const child = spawn("sh", [path.join(relocate(PATHS.scriptsDir), "start.sh")], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const server: Server = { process: child, port, dir, password, env, log: () => output };
    const deadline = Date.now() + 10000;
    while (!output.includes("Ready to accept connections")) {
        if (child.exitCode !== null || Date.now() > deadline) {
            throw new Error(`redis-server did not start (exit ${child.exitCode}):\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    return server;
}

async function stopServer(server: Server | undefined): Promise<void> {
    if (server && server.process.exitCode === null) {
        server.process.kill("SIGKILL");
        await new Promise((r) => server.process.once("exit", r));
    }
    if (server) {
        fs.rmSync(server.dir, { recursive: true, force: true });
    }
}

function client(server: Server, password?: string): Redis {
    return new Redis({
        port: server.port,
        host: "127.0.0.1",
        password,
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
    });
}

async function configValue(redis: Redis, name: string): Promise<string> {
    return ((await redis.config("GET", name)) as string[])[1];
}

function script(server: Server, name: string, ...args: string[]): { code: number; output: string } {
    try {
        const output = execFileSync("sh", [path.join(server.dir, PATHS.scriptsDir, name), ...args], {
            env: server.env,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        return { code: 0, output };
    } catch (error) {
        const e = error as { status: number; stdout: string; stderr: string };
        return { code: e.status, output: `${e.stdout}${e.stderr}` };
    }
}

describe("redis-server runs the rendered configuration", function () {
    this.timeout(30000);
    before(function () {
        requireTools(this, ["redis-server", "redis-cli"]);
    });

    let server: Server | undefined;
    afterEach(async () => {
        await stopServer(server);
        server = undefined;
    });

    it("requires AUTH: NOAUTH without a password, WRONGPASS with a wrong one, OK with the Secret's", async () => {
        server = await startServer({}, "Zq9f3kT0aXw2LrP8mN4vB7cY1dE6gH5j");
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
        server = await startServer({ resources: { limits: { memory: "512Mi" } } }, "p");
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
            { persistence: { enabled: false }, config: { "notify-keyspace-events": "Ex", hz: "20", "lazyfree-lazy-eviction": "yes" } },
            "p",
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
        server = await startServer({}, password);
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
        assert.ok(commandLines.some((line) => line.includes("redis-server")));
        assert.ok(!commandLines.some((line) => line.includes("quoted")), "the password is on a command line");
        const authConf = fs.statSync(path.join(server.dir, PATHS.authConf));
        assert.equal(authConf.mode & 0o777, 0o600);
        assert.ok(!fs.readFileSync(path.join(server.dir, PATHS.configFile), "utf8").includes("quoted"));
    });

    it("probes: ready on PONG, not live when Redis stops answering", async () => {
        server = await startServer({}, "p");
        assert.deepEqual(script(server, "probe.sh", "readiness", "1"), { code: 0, output: "" });
        assert.equal(script(server, "probe.sh", "startup", "1").code, 0);
        server.process.kill("SIGSTOP");
        try {
            const liveness = script(server, "probe.sh", "liveness", "1");
            assert.equal(liveness.code, 1);
            assert.match(liveness.output, /no answer from redis within 1s/);
        } finally {
            server.process.kill("SIGCONT");
        }
        assert.equal(script(server, "probe.sh", "liveness", "1").code, 0);
    });

    it("preStop shuts Redis down with a final save", async () => {
        server = await startServer({}, "p");
        const redis = client(server, "p");
        await redis.connect();
        await redis.set("kept", "yes");
        redis.disconnect();
        const exited = new Promise((r) => server?.process.once("exit", r));
        assert.deepEqual(script(server, "pre-stop.sh"), { code: 0, output: "" });
        await exited;
        assert.match(server.log(), /DB saved on disk/);
        assert.ok(fs.existsSync(path.join(server.dir, PATHS.dataDir, "dump.rdb")));
    });

    it("start.sh refuses to start without a password", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-conf-test-"));
        try {
            fs.writeFileSync(path.join(dir, "password"), "");
            const result = (() => {
                try {
                    execFileSync("sh", [path.join(__dirname, "..", "..", "sdk", "scripts", "start.sh")], {
                        env: {
                            PATH: process.env.PATH,
                            REDIS_CONF: "/nonexistent",
                            REDIS_PASSWORD_FILE: path.join(dir, "password"),
                            REDIS_AUTH_CONF: path.join(dir, "auth.conf"),
                        },
                        stdio: ["ignore", "pipe", "pipe"],
                        encoding: "utf8",
                    });
                    return { code: 0, stderr: "" };
                } catch (error) {
                    return { code: (error as { status: number }).status, stderr: (error as { stderr: string }).stderr };
                }
            })();
            assert.equal(result.code, 1);
            assert.match(result.stderr, /password file .* is missing or empty/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
