import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { inspect } from "util";
import fc from "fast-check";
import { RedisArgumentError } from "../../sdk/api/errors";
import { ArgumentChecker } from "../../sdk/core/checks/checker";
import { DEFAULT_ENGINE, engineOfImage, tableKey } from "../../sdk/core/checks/directive-table";
import {
    checkConfig,
    directiveTableFor,
    editDistance,
    MANAGED_DIRECTIVES,
    PROTECTED_COMMAND_DIRECTIVES,
    REFUSED_DIRECTIVES,
} from "../../sdk/core/checks/directives";
import { DIRECTIVE_TABLES } from "../../sdk/core/checks/directives/index";
import { DEFAULT_IMAGE, DEFAULT_IMAGES } from "../../sdk/core/constants";
import { resolveSettings } from "../../sdk/core/settings";

const TABLES_DIR = path.join(__dirname, "..", "..", "sdk", "core", "checks", "directives");

/** The error checkConfig throws for `config`, or undefined when it accepts it. */
function configError(config: unknown, engine = DEFAULT_ENGINE): RedisArgumentError | undefined {
    try {
        checkConfig(new ArgumentChecker("cache"), config, true, { engine });
        return undefined;
    } catch (error) {
        assert.ok(error instanceof RedisArgumentError, `expected a RedisArgumentError, got ${error}`);
        return error;
    }
}

function isManaged(name: string): boolean {
    return name in MANAGED_DIRECTIVES || /^(cluster-|tls-|sentinel)/.test(name);
}

describe("directives: the tables generated from the engine binaries", () => {
    it("has a table for the default image's engine version, redis 8.0", () => {
        assert.deepEqual(engineOfImage(DEFAULT_IMAGE), { engine: "redis", version: "8.0.2" });
        const table = directiveTableFor();
        assert.equal(tableKey(DEFAULT_ENGINE), "redis-8.0");
        assert.equal(table.engine, "redis");
        assert.equal(table.version, "8.0");
        assert.match(table.binaryVersion, /v=8\.0\.2 /, "made by running the 8.0.2 binary");
        assert.match(table.generatedBy, /directives:generate/);
    });

    it("has a table for each engine's default image version, made from that very version", () => {
        for (const [engine, image] of Object.entries(DEFAULT_IMAGES)) {
            const target = engineOfImage(image);
            assert.equal(target?.engine, engine, image);
            const table = DIRECTIVE_TABLES[tableKey(target!)];
            assert.ok(table, `no table ${tableKey(target!)} for ${image}: run npm run directives:generate`);
            assert.match(table.binaryVersion, new RegExp(`v=${target!.version.replace(/\./g, "\\.")} `), image);
        }
    });

    it("reads the engine and version from the official, the locally built and other images' names", () => {
        const cases: [string, { engine: string; version: string } | undefined][] = [
            ["docker.io/library/redis:8.0.2-bookworm", { engine: "redis", version: "8.0.2" }],
            ["redis:7.0.15", { engine: "redis", version: "7.0.15" }],
            ["docker.io/valkey/valkey:8.1.1-bookworm", { engine: "valkey", version: "8.1.1" }],
            ["localhost/kubernetes-redis/valkey:8.1.1-trixie", { engine: "valkey", version: "8.1.1" }],
            ["localhost/kubernetes-redis/redis:8.0.2-trixie", { engine: "redis", version: "8.0.2" }],
            ["bitnami/valkey:8.1.1-debian-12-r0", { engine: "valkey", version: "8.1.1" }],
            ["redis:alpine", undefined],
            ["registry.example.com/cache:1.2.3", undefined],
        ];
        for (const [image, expected] of cases) {
            assert.deepEqual(engineOfImage(image), expected, image);
        }
    });

    it("lists every table file in the index, under its own engine and version", () => {
        const files = fs.readdirSync(TABLES_DIR).filter((file) => file !== "index.ts");
        assert.deepEqual(files.map((file) => file.replace(/\.ts$/, "")).sort(), Object.keys(DIRECTIVE_TABLES).sort());
        for (const [key, table] of Object.entries(DIRECTIVE_TABLES)) {
            assert.equal(key, `${table.engine}-${table.version}`);
            assert.match(table.binaryVersion, new RegExp(`v=${table.version.replace(".", "\\.")}\\.`), key);
        }
    });

    for (const [key, table] of Object.entries(DIRECTIVE_TABLES)) {
        it(`${key}: knows the directives and aliases the package relies on, lower-case and sorted`, () => {
            for (const name of ["maxmemory", "maxmemory-policy", "maxmemory-clients", "appendonly", "save", "requirepass"]) {
                assert.ok(table.parameters.includes(name), `${key} lacks ${name}`);
            }
            assert.ok(table.parameters.includes("slaveof") && table.parameters.includes("replicaof"), "aliases are listed");
            assert.deepEqual(table.fileOnly.slice().sort(), ["include", "loadmodule", "rename-command", "sentinel", "user"]);
            for (const list of [table.parameters, table.hidden]) {
                assert.deepEqual(list, [...list].sort());
                assert.ok(list.every((name) => /^[a-z][a-z0-9_-]*$/.test(name)));
            }
            assert.ok(!table.parameters.some((name) => table.hidden.includes(name)));
        });
    }

    it("picks a table by engine and major.minor, falling back to the newest older one", () => {
        assert.equal(directiveTableFor({ engine: "redis", version: "7.0.2" }).version, "7.0");
        assert.equal(directiveTableFor({ engine: "redis", version: "7.2.4" }).version, "7.0");
        const valkey = Object.values(DIRECTIVE_TABLES).find((t) => t.engine === "valkey");
        if (valkey) {
            assert.equal(directiveTableFor({ engine: "valkey", version: `${valkey.version}.0` }).engine, "valkey");
        }
        assert.equal(engineOfImage("valkey/valkey:8.1.1-bookworm")?.engine, "valkey");
        assert.equal(engineOfImage("redis@sha256:" + "0".repeat(64)), undefined);
    });
});

describe("directives: config is checked against the table of the engine version", () => {
    const table = directiveTableFor();
    const ordinary = table.parameters.filter(
        (name) =>
            !isManaged(name) &&
            !(name in REFUSED_DIRECTIVES) &&
            !(name in PROTECTED_COMMAND_DIRECTIVES) &&
            !["maxmemory-policy", "maxmemory-clients"].includes(name),
    );

    it("accepts every other parameter the binary lists, and its aliases", () => {
        for (const name of ordinary) {
            assert.equal(configError({ [name]: "1" })?.message, undefined, name);
        }
        assert.ok(ordinary.includes("slave-serve-stale-data") && ordinary.includes("replica-serve-stale-data"));
    });

    it("refuses a misspelt directive, naming the closest one: maxmemory-polcy", () => {
        const error = configError({ "maxmemory-polcy": "allkeys-lru" });
        assert.match(
            error?.message ?? "",
            /config\["maxmemory-polcy"\] = "\[secret\]" is not a directive of redis 8\.0, and Redis would refuse to start; did you mean maxmemory-policy\?/,
        );
    });

    it("refuses every name that is not in the table, with a suggestion as close as the name it came from", () => {
        const known = new Set([...table.parameters, ...table.fileOnly, ...table.hidden, ...table.ignored]);
        const typo = fc
            .tuple(fc.constantFrom(...ordinary), fc.nat(), fc.constantFrom("delete", "swap", "insert"))
            .map(([name, at, how]) => {
                const i = at % name.length;
                if (how === "delete") return name.slice(0, i) + name.slice(i + 1);
                if (how === "insert") return name.slice(0, i) + "x" + name.slice(i);
                return i + 1 < name.length ? name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2) : name + "s";
            })
            .filter((name) => /^[a-z][a-z0-9-]*$/.test(name) && !known.has(name) && !isManaged(name));
        fc.assert(
            fc.property(typo, (name) => {
                const message = configError({ [name]: "1" })?.message ?? "";
                assert.match(message, /is not a directive of redis 8\.0/);
                const suggested = /did you mean ([a-z0-9-]+)\?/.exec(message);
                assert.ok(suggested, message);
                assert.ok(editDistance(name, suggested[1]) <= 1, message);
            }),
        );
        assert.match(configError({ "no-such-thing-at-all": "1" })?.message ?? "", /use a directive that CONFIG GET \* lists on redis 8\.0/);
        for (const name of ["constructor", "tostring", "hasownproperty"]) {
            assert.match(configError({ [name]: "1" })?.message ?? "", /is not a directive of redis 8\.0/, name);
        }
    });

    it("refuses rename-command of any command, saying what it would break", () => {
        for (const command of ["PING", "SHUTDOWN", "CONFIG", "AUTH", "INFO", "FLUSHALL", "KEYS"]) {
            const message = configError({ "rename-command": `${command} ""` })?.message ?? "";
            assert.match(
                message,
                /config\["rename-command"\] = "\[secret\]" would break the package's own machinery: the probes send PING/,
            );
            assert.match(message, /SHUTDOWN/);
        }
    });

    it("refuses loadmodule, because it runs arbitrary native code", () => {
        assert.match(configError({ loadmodule: "/tmp/evil.so" })?.message ?? "", /loads native code into the server/);
    });

    it("refuses enable-debug/protected-configs/module-command set to yes, with why; accepts no and local", () => {
        const why: Record<string, RegExp> = {
            "enable-debug-command": /crash the server \(DEBUG SEGFAULT\)/,
            "enable-protected-configs": /CONFIG SET protected parameters such as dir and dbfilename/,
            "enable-module-command": /MODULE LOAD native code/,
        };
        for (const name of Object.keys(PROTECTED_COMMAND_DIRECTIVES)) {
            assert.ok(table.parameters.includes(name), `${name} is a parameter of the binary`);
            for (const yes of ["yes", "YES", " yes"]) {
                assert.match(configError({ [name]: yes })?.message ?? "", why[name]);
            }
            assert.equal(configError({ [name]: "no" }), undefined);
            assert.equal(configError({ [name]: "local" }), undefined);
            assert.match(configError({ [name]: "maybe" })?.message ?? "", /is not accepted; use "no", or "local"/);
        }
    });

    it("refuses the directives the component manages, naming the argument to use", () => {
        for (const name of Object.keys(MANAGED_DIRECTIVES)) {
            assert.match(configError({ [name]: "x" })?.message ?? "", /is managed by the component/, name);
        }
        assert.match(configError({ "cluster-node-timeout": "5000" })?.message ?? "", /is managed by the component; use mode/);
    });

    it("refuses hidden debug parameters and deprecated no-ops the binary accepts", () => {
        // (cluster-ping-interval, hidden in 8.0, is refused first as a cluster-* directive.)
        for (const name of table.hidden.filter((hidden) => !isManaged(hidden))) {
            assert.match(configError({ [name]: "1" })?.message ?? "", /is a hidden test and debug parameter of redis 8\.0/, name);
        }
        for (const name of table.ignored) {
            assert.match(configError({ [name]: "1" })?.message ?? "", /is deprecated: redis 8\.0 accepts it and ignores it/, name);
        }
    });

    it("validates against the engine in use: valkey's primaryauth is managed, its own names are accepted", () => {
        const valkey = Object.values(DIRECTIVE_TABLES).find((t) => t.engine === "valkey");
        if (!valkey) {
            return;
        }
        const engine = { engine: "valkey" as const, version: valkey.version };
        assert.match(configError({ primaryauth: "x" }, engine)?.message ?? "", /is managed by the component; use auth.password/);
        const onlyValkey = valkey.parameters.find((n) => !table.parameters.includes(n) && !isManaged(n) && !/auth|user/.test(n));
        assert.ok(onlyValkey);
        assert.equal(configError({ [onlyValkey]: "1" }, engine), undefined, onlyValkey);
        assert.match(configError({ [onlyValkey]: "1" })?.message ?? "", /is not a directive of redis 8\.0/);
    });
});

describe("directives: a value that may be a secret is never printed", () => {
    /** Directives whose value carries or may carry a secret, as the user may write them. */
    const SECRET_BEARING = [
        "requirepass",
        "RequirePass",
        "masterauth",
        "masteruser",
        "primaryauth",
        "user",
        "aclfile",
        "tls-key-file-pass",
        "tls-client-key-file-pass",
        "rename-command",
        "loadmodule",
        "sentinel",
        "requirepas", // misspelt: unknown names may be anything
        "maxmemory-polcy",
        "masterauth ",
        "require_pass",
    ];
    const secretString = fc.string({ minLength: 1, maxLength: 60, unit: "binary" });

    function errorOf(config: unknown): RedisArgumentError {
        const error = configError(config);
        assert.ok(error, `accepted ${JSON.stringify(config)}`);
        return error;
    }

    it("never puts the value in the message, nor in the error's properties (property)", () => {
        fc.assert(
            fc.property(fc.constantFrom(...SECRET_BEARING), secretString, (name, secret) => {
                const error = errorOf({ [name]: secret });
                // The message does not depend on the value at all...
                assert.equal(error.message, errorOf({ [name]: "placeholder-value" }).message);
                // ...and nothing reachable from the error holds it: its own properties are those of
                // the error of another value, and its stack starts with the same message.
                const placeholder = errorOf({ [name]: "placeholder-value" });
                assert.equal(error.value, "[secret]");
                assert.deepEqual({ ...error }, { ...placeholder });
                assert.ok(error.stack?.startsWith(`RedisArgumentError: ${placeholder.message}\n`));
                // So the message contains the value only where the fixed text happens to.
                assert.ok(placeholder.message.includes(secret) || !error.message.includes(secret));
            }),
            { numRuns: 200 },
        );
    });

    it("redacts non-string values, and whole configs that are not maps", () => {
        fc.assert(
            fc.property(fc.constantFrom(...SECRET_BEARING), fc.jsonValue(), (name, value) => {
                assert.equal(errorOf({ [name]: value }).message, errorOf({ [name]: "placeholder-value" }).message);
            }),
        );
        assert.doesNotMatch(errorOf(["requirepass", "hunter2-secret"]).message, /hunter2/);
        // A known ACL directive refused for its value: the value is still not printed.
        fc.assert(
            fc.property(secretString, (secret) => {
                const value = `${secret}\nrequirepass ${secret}`;
                assert.equal(errorOf({ "acl-pubsub-default": value }).message, errorOf({ "acl-pubsub-default": "x\ny" }).message);
            }),
        );
    });

    it("goes through resolveSettings the same way", () => {
        assert.throws(
            () => resolveSettings("c", { config: { masterauth: "hunter2-secret" } }),
            (error: Error) =>
                error instanceof RedisArgumentError && !error.message.includes("hunter2") && !inspect(error).includes("hunter2"),
        );
    });

    it("redacts at the error type itself: secret-bearing argument names and object keys", () => {
        const direct = new RedisArgumentError("c", 'config["requirepass"]', "hunter2-secret", "is bad", "fix it");
        assert.doesNotMatch(direct.message + inspect(direct), /hunter2/);
        const nested = new RedisArgumentError("c", "memory", { password: "hunter2-secret", other: 1 }, "is bad", "fix it");
        assert.doesNotMatch(nested.message + inspect(nested), /hunter2/);
        assert.match(nested.message, /"other":1/);
        const marked = new RedisArgumentError("c", "anything", "hunter2-secret", "is bad", "fix it", { secret: true });
        assert.doesNotMatch(marked.message + inspect(marked), /hunter2/);
    });

    it("still prints the value of a known directive that carries no secret", () => {
        assert.match(errorOf({ "maxmemory-policy": "lru" }).message, /config\["maxmemory-policy"\] = "lru" is not an eviction policy/);
        assert.match(errorOf({ "enable-debug-command": "yes" }).message, /= "yes"/);
    });
});

describe("checker: names inherited from Object.prototype are not arguments nor directives", () => {
    it("refuses constructor as an argument", () => {
        assert.throws(
            () => resolveSettings("c", { constructor: 1 } as unknown as Parameters<typeof resolveSettings>[1]),
            /constructor is not an argument/,
        );
    });
});
