import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { engineOfImage, tableKey } from "../../sdk/core/checks/directive-table";
import { DIRECTIVE_TABLES } from "../../sdk/core/checks/directives/index";
import { requireTools } from "../support/requirements";

/**
 * The directive table of the redis-server on this host is the binary's own list: a table left
 * behind by an engine upgrade fails here (regenerate it with `npm run directives:generate`).
 */
describe("directive tables: the table of the host's redis-server matches the binary", function () {
    this.timeout(60000);
    before(function () {
        requireTools(this, ["redis-server"]);
    });

    async function freePort(): Promise<number> {
        return new Promise((resolve) => {
            const server = net.createServer().listen(0, "127.0.0.1", () => {
                const { port } = server.address() as net.AddressInfo;
                server.close(() => resolve(port));
            });
        });
    }

    /** Starts redis-server with `extra` after a throwaway configuration; its output when it exits. */
    async function run(extra: string, withServer?: (redis: Redis) => Promise<void>): Promise<{ started: boolean; output: string }> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "directives-"));
        const port = await freePort();
        const conf = path.join(dir, "redis.conf");
        fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsave ""\n${extra}\n`);
        const child = spawn("redis-server", [conf], { stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
        const deadline = Date.now() + 20000;
        while (!output.includes("Ready to accept connections") && child.exitCode === null && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 25));
        }
        const started = output.includes("Ready to accept connections");
        try {
            if (started && withServer) {
                const redis = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 0 });
                try {
                    await withServer(redis);
                } finally {
                    redis.disconnect();
                }
            }
        } finally {
            if (child.exitCode === null) {
                const exited = new Promise((r) => child.once("exit", r));
                child.kill("SIGKILL");
                await exited;
            }
            fs.rmSync(dir, { recursive: true, force: true });
        }
        return { started, output };
    }

    function hostTable() {
        const version = /v=([0-9]+\.[0-9]+\.[0-9]+)/.exec(execFileSync("redis-server", ["--version"], { encoding: "utf8" }));
        assert.ok(version);
        const key = tableKey(engineOfImage(`redis:${version[1]}`)!);
        const table = DIRECTIVE_TABLES[key];
        assert.ok(table, `no table ${key} for the host's redis-server ${version[1]}: run npm run directives:generate`);
        return table;
    }

    it("lists exactly what CONFIG GET * lists", async () => {
        const table = hostTable();
        let names: string[] = [];
        const { started } = await run("", async (redis) => {
            const reply = (await redis.config("GET", "*")) as string[];
            names = reply.filter((_, i) => i % 2 === 0).sort();
        });
        assert.ok(started);
        assert.deepEqual(names, table.parameters);
    });

    it("refuses what the binary refuses: a misspelt directive stops redis-server at start", async () => {
        const table = hostTable();
        assert.ok(!table.parameters.includes("maxmemory-polcy"));
        const { started, output } = await run("maxmemory-polcy allkeys-lru");
        assert.equal(started, false);
        assert.match(output, /Bad directive/);
    });
});
