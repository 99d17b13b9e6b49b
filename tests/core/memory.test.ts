import { strict as assert } from "assert";
import fc from "fast-check";
import { RedisArgs } from "../../sdk/api/args";
import { RedisArgumentError } from "../../sdk/api/errors";
import { ArgumentChecker } from "../../sdk/core/checks/checker";
import { checkConfig } from "../../sdk/core/checks/directives";
import { parseByteQuantity } from "../../sdk/core/checks/quantity";
import { DEFAULTS, resolveSettings } from "../../sdk/core/settings";
import { renderRedisConf } from "../../sdk/render/conf/redis-conf";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function errorOf(args: RedisArgs): string {
    try {
        resolveSettings("cache", args);
    } catch (error) {
        assert.ok(error instanceof RedisArgumentError, `expected a RedisArgumentError, got ${error}`);
        return error.message;
    }
    assert.fail(`accepted ${JSON.stringify(args)}`);
}

/** Where each byte quantity goes in the arguments, with a valid context around it. */
const BYTE_ARGUMENTS: Array<{ path: string; args: (q: string) => RedisArgs }> = [
    { path: "memory.maxmemory", args: (q) => ({ resources: { limits: { memory: "4Pi" } }, memory: { maxmemory: q } }) },
    { path: "resources.requests.memory", args: (q) => ({ resources: { requests: { memory: q } } }) },
    { path: "resources.limits.memory", args: (q) => ({ resources: { requests: { memory: "32Mi" }, limits: { memory: q } } }) },
    { path: "persistence.size", args: (q) => ({ persistence: { size: q } }) },
];

describe("memory: byte quantities are whole bytes", () => {
    it('refuses "200m" for maxmemory (0.2 bytes, which rendered maxmemory 0: unlimited), saying what m means', () => {
        assert.match(
            errorOf({ memory: { maxmemory: "200m" } }),
            /memory.maxmemory = "200m" is not a whole number of bytes; "m" is a fraction \(milli, micro, nano\), not mega: use "200Mi" or "200M"/,
        );
    });

    const bad: Array<{ quantity: string; expect: RegExp }> = [
        { quantity: "200m", expect: /is not a whole number of bytes/ },
        { quantity: "1500u", expect: /is not a whole number of bytes/ },
        { quantity: "0.5", expect: /is not a whole number of bytes/ },
        { quantity: "1.1Gi", expect: /is not a whole number of bytes; use a whole number of bytes such as "1126Mi" or "1181116006"/ },
        { quantity: "1e-3", expect: /is not a whole number of bytes/ },
        { quantity: "2.5e0", expect: /is not a whole number of bytes/ },
        { quantity: "1e400", expect: /is more than 2\^53 - 1 bytes/ },
        { quantity: "9Ei", expect: /is more than 2\^53 - 1 bytes/ },
        { quantity: "99999999999999999999", expect: /is more than 2\^53 - 1 bytes/ },
        { quantity: "0", expect: /is not positive/ },
        { quantity: "-1Gi", expect: /is not positive/ },
        { quantity: "1GB", expect: /is not a Kubernetes quantity; use "1Gi"/ },
    ];
    for (const argument of BYTE_ARGUMENTS) {
        for (const row of bad) {
            it(`refuses ${argument.path} = "${row.quantity}"`, () => {
                const message = errorOf(argument.args(row.quantity));
                assert.ok(message.includes(`${argument.path} = "${row.quantity}"`), message);
                assert.match(message, row.expect);
            });
        }
    }

    it('accepts exact forms: "1e9", "1.5Gi", ".5Ki" and 1000-based units', () => {
        assert.equal(
            resolveSettings("c", { resources: { limits: { memory: "1e10" } }, memory: { maxmemory: "1e9" } }).memory.maxmemoryBytes,
            1e9,
        );
        assert.equal(resolveSettings("c", { resources: { limits: { memory: "1.5Gi" } } }).memory.limitBytes, 1.5 * GiB);
        assert.deepEqual(parseByteQuantity(".5Ki"), { kind: "bytes", bytes: 512 });
        assert.equal(resolveSettings("c", { persistence: { size: "10G" } }).persistence.size, "10G");
    });

    it("computes exactly: any whole byte count, in any form, parses to itself (property)", () => {
        const whole = fc.bigInt({ min: 1n, max: BigInt(Number.MAX_SAFE_INTEGER) });
        fc.assert(
            fc.property(whole, fc.nat({ max: 12 }), (bytes, zeros) => {
                assert.deepEqual(parseByteQuantity(`${bytes}`), { kind: "bytes", bytes: Number(bytes) });
                // The same count written with a decimal exponent and trailing fraction digits.
                const scaled = `${bytes}${"0".repeat(zeros)}e-${zeros}`;
                assert.deepEqual(parseByteQuantity(scaled), { kind: "bytes", bytes: Number(bytes) });
                if (bytes % 1024n === 0n) {
                    assert.deepEqual(parseByteQuantity(`${bytes / 1024n}Ki`), { kind: "bytes", bytes: Number(bytes) });
                }
            }),
        );
    });

    it("refuses every fraction of a byte, however it is written (property)", () => {
        const fraction = fc
            .tuple(fc.nat({ max: 10 ** 9 }), fc.integer({ min: 1, max: 999 }), fc.constantFrom("", "m", "u", "n"))
            .map(([whole, thousandths, suffix]) => `${whole}.${String(thousandths).padStart(3, "0")}${suffix}`);
        fc.assert(
            fc.property(fraction, (text) => {
                const parsed = parseByteQuantity(text);
                assert.ok(
                    parsed?.kind === "fraction" || (parsed?.kind === "not-positive" && /^0\.000/.test(text)),
                    `${text}: ${JSON.stringify(parsed)}`,
                );
            }),
        );
    });
});

describe("memory: maxmemory keeps the documented headroom", () => {
    it("refuses maxmemory below 1Mi", () => {
        assert.match(errorOf({ memory: { maxmemory: "512Ki" } }), /memory.maxmemory = "512Ki" is below 1Mi; use at least "1Mi"/);
        assert.match(errorOf({ memory: { maxmemory: "1000" } }), /is below 1Mi/);
    });

    it("refuses an explicit maxmemory that keeps less than 30% with persistence, naming the largest value and the limit to use", () => {
        assert.match(
            errorOf({ memory: { maxmemory: "900Mi" } }),
            /memory.maxmemory = "900Mi" leaves 124Mi of the 1Gi memory limit as headroom, less than the 30% which persistence needs for the fork's copy-on-write, client buffers and fragmentation; use at most "716Mi" \(70% of the limit\), or raise resources.limits.memory to at least "1286Mi"/,
        );
        assert.equal(resolveSettings("c", { memory: { maxmemory: "716Mi" } }).memory.maxmemoryBytes, 716 * MiB);
    });

    it("keeps 15% without persistence", () => {
        const cache = { persistence: { enabled: false } };
        assert.match(
            errorOf({ ...cache, memory: { maxmemory: "900Mi" } }),
            /less than the 15% which a cache needs .*use at most "870Mi" \(85% of the limit\)/,
        );
        assert.equal(resolveSettings("c", { ...cache, memory: { maxmemory: "870Mi" } }).memory.maxmemoryBytes, 870 * MiB);
        assert.match(
            errorOf({ ...cache, memory: { maxmemoryPercent: 90 } }),
            /maxmemoryPercent = 90 leaves less than 15% of the memory limit as headroom/,
        );
        assert.equal(resolveSettings("c", { ...cache, memory: { maxmemoryPercent: 85 } }).memory.maxmemoryBytes, 870 * MiB);
    });

    it("applies the same rule to maxmemoryPercent: at most 70 with persistence", () => {
        assert.match(
            errorOf({ memory: { maxmemoryPercent: 80 } }),
            /memory.maxmemoryPercent = 80 leaves less than 30% .*use a whole number from 10 to 70/,
        );
        assert.equal(resolveSettings("c", { memory: { maxmemoryPercent: 70 } }).memory.maxmemoryBytes, 716 * MiB);
    });

    /** A limit in whole bytes, written in one of the forms users write. */
    const limitText = fc.oneof(
        fc.integer({ min: 32, max: 2 ** 22 }).map((mi) => ({ text: `${mi}Mi`, bytes: mi * MiB })),
        fc.integer({ min: 32 * MiB, max: 2 ** 45 }).map((b) => ({ text: `${b}`, bytes: b })),
        fc.integer({ min: 34, max: 10 ** 6 }).map((m) => ({ text: `${m}e6`, bytes: m * 1e6 })),
        fc.integer({ min: 1, max: 1024 }).map((g) => ({ text: `${g}Gi`, bytes: g * GiB })),
    );

    it("for any accepted limit and percent or explicit value: whole bytes, > 0, below the limit with the promised headroom (property)", () => {
        fc.assert(
            fc.property(
                limitText,
                fc.boolean(),
                fc.oneof(
                    fc.integer({ min: 1, max: 120 }).map((percent) => ({ maxmemoryPercent: percent })),
                    fc.double({ min: 0, max: 1.1, noNaN: true }).map((share) => ({ share })),
                ),
                (limit, persistent, choice) => {
                    const memory = "share" in choice ? { maxmemory: `${Math.max(1, Math.floor(limit.bytes * choice.share))}` } : choice;
                    const args: RedisArgs = { resources: { limits: { memory: limit.text } }, memory, persistence: { enabled: persistent } };
                    let settings;
                    try {
                        settings = resolveSettings("c", args);
                    } catch (error) {
                        assert.ok(error instanceof RedisArgumentError, String(error));
                        return;
                    }
                    const headroom = persistent ? DEFAULTS.minHeadroomPercentDurable : DEFAULTS.minHeadroomPercentCache;
                    const { limitBytes, maxmemoryBytes, maxmemoryClientsBytes } = settings.memory;
                    assert.equal(limitBytes, limit.bytes);
                    assert.ok(Number.isSafeInteger(maxmemoryBytes) && maxmemoryBytes >= MiB, `maxmemory ${maxmemoryBytes}`);
                    assert.ok(maxmemoryBytes < limitBytes);
                    assert.ok((limitBytes - maxmemoryBytes) * 100 >= limitBytes * headroom, "the promised headroom");
                    assert.ok(Number.isSafeInteger(maxmemoryClientsBytes) && maxmemoryClientsBytes >= MiB);
                    assert.ok(maxmemoryClientsBytes <= limitBytes - maxmemoryBytes, "client buffers fit in the headroom");
                    assert.match(
                        renderRedisConf(settings),
                        new RegExp(`\\nmaxmemory ${maxmemoryBytes}\\nmaxmemory-clients ${maxmemoryClientsBytes}\\n`),
                    );
                },
            ),
        );
    });

    it("accepts every explicit maxmemory from 1Mi up to the headroom rule (property)", () => {
        fc.assert(
            fc.property(limitText, fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (limit, persistent, share) => {
                const ceiling = Math.floor((limit.bytes * (persistent ? 70 : 85)) / 100);
                const maxmemory = Math.max(MiB, Math.floor(ceiling * share));
                const settings = resolveSettings("c", {
                    resources: { limits: { memory: limit.text } },
                    memory: { maxmemory: `${maxmemory}` },
                    persistence: { enabled: persistent },
                });
                assert.equal(settings.memory.maxmemoryBytes, maxmemory);
            }),
        );
    });
});

describe("memory: maxmemory-clients bounds client buffers inside the headroom", () => {
    it("defaults to a quarter of the headroom, rounded down to whole MiB, rendered beside maxmemory", () => {
        const settings = resolveSettings("c", {});
        assert.equal(settings.memory.maxmemoryBytes, 716 * MiB);
        assert.equal(settings.memory.maxmemoryClientsBytes, 77 * MiB, "(1024 - 716) / 4 = 77 MiB");
        assert.match(renderRedisConf(settings), /\nmaxmemory 750780416\nmaxmemory-clients 80740352\n/);
        const cache = resolveSettings("c", { persistence: { enabled: false } });
        assert.equal(cache.memory.maxmemoryClientsBytes, 38 * MiB, "(1024 - 870) / 4 = 38.5 MiB");
        const tiny = resolveSettings("c", { resources: { limits: { memory: "32Mi" } } });
        assert.equal(tiny.memory.maxmemoryClientsBytes, 2 * MiB);
    });

    it("takes an override from config, rendered once, in Redis' own syntax", () => {
        const settings = resolveSettings("c", { config: { "maxmemory-clients": "64mb" } });
        const conf = renderRedisConf(settings);
        assert.equal(conf.match(/^maxmemory-clients /gm)?.length, 1);
        assert.match(conf, /^maxmemory-clients 64mb$/m);
        assert.equal(resolveSettings("c", { config: { "maxmemory-clients": "5%" } }).config["maxmemory-clients"], "5%");
    });

    const check = new ArgumentChecker("cache");
    const memory = { limitBytes: GiB, maxmemoryBytes: 716 * MiB };
    const override = (value: string) => () => checkConfig(check, { "maxmemory-clients": value }, true, { memory });
    const refusals: Array<[string, RegExp]> = [
        ["0", /lifts the bound on client buffers/],
        ["0%", /lifts the bound on client buffers/],
        ["lots", /is not a memory size/],
        ["64 MB", /is not a memory size/],
        ["512kb", /would disconnect ordinary clients; use at least "1mb"/],
        ["1gb", /is more than the 308mb of headroom between maxmemory and the container memory limit; use at most "308mb"/],
        ["50%", /is more than the 308mb of headroom/],
        ["101%", /is more than maxmemory/],
    ];
    for (const [value, expect] of refusals) {
        it(`refuses maxmemory-clients "${value}"`, () => {
            assert.throws(override(value), (error: Error) => error instanceof RedisArgumentError && expect.test(error.message));
        });
    }
    it("accepts an override that fits in the headroom", () => {
        for (const value of ["64mb", "300mb", "308MB", "10%", "1048576"]) {
            assert.doesNotThrow(override(value), value);
        }
    });
});

describe("resources: defaults merge field by field", () => {
    it("keeps the default CPU request when only the memory request is given", () => {
        const { resources } = resolveSettings("c", { resources: { requests: { memory: "2Gi" } } });
        assert.deepEqual(resources, { requests: { cpu: "250m", memory: "2Gi" }, limits: { cpu: undefined, memory: "2Gi" } });
    });

    it("keeps the default memory request when only the CPU request is given", () => {
        const { resources } = resolveSettings("c", { resources: { requests: { cpu: "1" } } });
        assert.deepEqual(resources, { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: undefined, memory: "1Gi" } });
    });

    it("keeps both requests when only limits are given; the CPU request never exceeds the CPU limit", () => {
        assert.deepEqual(resolveSettings("c", { resources: { limits: { cpu: "2" } } }).resources, {
            requests: { cpu: "250m", memory: "1Gi" },
            limits: { cpu: "2", memory: "1Gi" },
        });
        assert.deepEqual(resolveSettings("c", { resources: { limits: { cpu: "100m", memory: "4Gi" } } }).resources, {
            requests: { cpu: "100m", memory: "4Gi" },
            limits: { cpu: "100m", memory: "4Gi" },
        });
        assert.deepEqual(resolveSettings("c", { resources: { requests: {}, limits: {} } }).resources, resolveSettings("c", {}).resources);
    });

    it("still refuses a CPU limit below an explicit CPU request", () => {
        assert.match(
            errorOf({ resources: { requests: { cpu: "500m" }, limits: { cpu: "100m" } } }),
            /resources.limits.cpu = "100m" is below resources.requests.cpu \(500m\)/,
        );
    });
});
