import { strict as assert } from "assert";
import fc from "fast-check";
import { RedisArgs } from "../../sdk/api/args";
import { RedisArgumentError } from "../../sdk/api/errors";
import { NAME_LIMITS } from "../../sdk/core/names";
import { resolveSettings } from "../../sdk/core/settings";
import { renderDeployment } from "../../sdk/render";
import { Loose } from "../support/loose";

/** Accepted or refused with the package's own error: never anything else. */
function settingsOrRefusal(name: string, args: RedisArgs) {
    try {
        return resolveSettings(name, args);
    } catch (error) {
        assert.ok(error instanceof RedisArgumentError, `not a RedisArgumentError: ${String(error)}`);
        return undefined;
    }
}

/** Names that look like what people type: DNS-ish, sometimes too long, sometimes wrong. */
const names = fc.oneof(
    fc.stringMatching(/^[a-z][-a-z0-9]{0,70}[a-z0-9]$/),
    fc.string({ minLength: 1, maxLength: 80 }),
    fc.constantFrom("a", "redis", "a".repeat(52), "a".repeat(53), "-x", "x-", "Redis"),
);

const persistence = fc.record(
    {
        enabled: fc.boolean(),
        localVolumes: fc.constant({ path: "/var/local-volumes", nodeNames: ["node-1"] }),
        whenDeleted: fc.constantFrom("Retain" as const, "Delete" as const),
    },
    { requiredKeys: [] },
);

const args = fc.record(
    {
        namespace: fc.stringMatching(/^[a-z][-a-z0-9]{0,62}$/),
        createNamespace: fc.boolean(),
        cloud: fc.constantFrom("local" as const, "aws" as const, "gcp" as const, "azure" as const),
        persistence,
    },
    { requiredKeys: [] },
);

describe("properties of every accepted input", () => {
    it("gives every object a name within its Kubernetes limit, and every pod a host name within a DNS label", () => {
        fc.assert(
            fc.property(names, args, (name, given) => {
                const settings = settingsOrRefusal(name, given as RedisArgs);
                if (settings === undefined) {
                    return;
                }
                for (const { object } of renderDeployment(settings, { password: "p", authVersion: "v" })) {
                    const limit =
                        object.kind === "StatefulSet"
                            ? NAME_LIMITS.statefulSet
                            : object.kind === "Service" || object.kind === "Namespace"
                              ? NAME_LIMITS.label
                              : NAME_LIMITS.subdomain;
                    assert.ok(object.metadata.name.length <= limit, `${object.kind} ${object.metadata.name} is longer than ${limit}`);
                    if (object.kind === "StatefulSet") {
                        const replicas = (object as Loose).spec.replicas as number;
                        assert.ok(`${object.metadata.name}-${replicas - 1}`.length <= NAME_LIMITS.label);
                    }
                }
            }),
            { numRuns: 300 },
        );
    });

    it("puts the password into the Secret and nowhere else, whatever the password", () => {
        const passwords = fc.string({ minLength: 16, maxLength: 64, unit: "grapheme-ascii" });
        fc.assert(
            fc.property(args, passwords, (given, password) => {
                const settings = settingsOrRefusal("cache", given as RedisArgs);
                if (settings === undefined) {
                    return;
                }
                for (const { key, object } of renderDeployment(settings, { password, authVersion: "0123456789abcdef" })) {
                    const holds = JSON.stringify(object).includes(JSON.stringify(password).slice(1, -1));
                    assert.equal(holds, object.kind === "Secret", `${key} (${object.kind})`);
                }
            }),
            { numRuns: 200 },
        );
    });
});
