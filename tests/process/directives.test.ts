import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { Engine } from "../../sdk/api/args";
import { tableKey } from "../../sdk/core/checks/directive-table";
import { DIRECTIVE_TABLES } from "../../sdk/core/checks/directives/index";
import { binaryVersion } from "../../tools/image-binaries";
import { freePort } from "../../tools/net";
import { hasCommand } from "../support/requirements";
import { ENGINES, requireEngine } from "./engines";

/**
 * The directive table of each engine is the binary's own list: the table of the version each
 * default image names against that binary (from the locally built image of the same version),
 * and the Redis 7.0 table against this host's redis-server 7.0 (still supported through
 * `image`). A table left behind by an engine upgrade fails here (regenerate it with `npm run
 * directives:generate`).
 */
const TARGETS: { title: string; engine: Engine; argv: (context: Mocha.Context) => string[] }[] = [
    ...ENGINES.map((engine) => ({
        title: `${engine}, the binary of the version its default image names`,
        engine,
        argv: (context: Mocha.Context) => requireEngine(context, engine).server,
    })),
    {
        title: "redis 7.0, this host's redis-server (the upgrade test's old version)",
        engine: "redis" as Engine,
        argv: (context: Mocha.Context) => {
            if (!hasCommand("redis-server")) {
                if (process.env.CI) throw new Error("missing redis-server");
                console.warn(`\n  !!! SKIPPED "${context.test?.parent?.title}": missing redis-server (apt-get install redis-server)\n`);
                context.skip();
            }
            return ["redis-server"];
        },
    },
];

for (const target of TARGETS) {
    describe(`directive tables: the table matches the binary (${target.title})`, function () {
        this.timeout(60000);
        let argv: string[] = [];
        before(function () {
            argv = target.argv(this);
        });

        /** Starts the server with `extra` after a throwaway configuration; its output when it exits. */
        async function run(extra: string, withServer?: (redis: Redis) => Promise<void>): Promise<{ started: boolean; output: string }> {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "directives-"));
            const port = await freePort();
            const conf = path.join(dir, "redis.conf");
            fs.writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsave ""\n${extra}\n`);
            const child = spawn(argv[0], [...argv.slice(1), conf], { stdio: ["ignore", "pipe", "pipe"] });
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

        function table() {
            const { line, version } = binaryVersion(argv);
            assert.match(line, new RegExp(`^${target.engine} server`, "i"));
            const key = tableKey({ engine: target.engine, version });
            const found = DIRECTIVE_TABLES[key];
            assert.ok(found, `no table ${key} for ${line}: run npm run directives:generate`);
            assert.equal(found.binaryVersion.split(" sha=")[0], line.split(" sha=")[0], "the table was generated from this version");
            return found;
        }

        it("lists exactly what CONFIG GET * lists", async () => {
            const expected = table();
            let names: string[] = [];
            const { started } = await run("", async (redis) => {
                const reply = (await redis.config("GET", "*")) as string[];
                names = reply.filter((_, i) => i % 2 === 0).sort();
            });
            assert.ok(started);
            assert.deepEqual(names, expected.parameters);
        });

        it("refuses what the binary refuses: a misspelt directive stops the server at start", async () => {
            assert.ok(!table().parameters.includes("maxmemory-polcy"));
            const { started, output } = await run("maxmemory-polcy allkeys-lru");
            assert.equal(started, false);
            // Redis 8 holds an unknown name as a possible module configuration, then aborts.
            assert.match(output, /Bad directive|Unresolved Configuration/);
        });
    });
}
