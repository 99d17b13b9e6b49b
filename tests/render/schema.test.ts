import { strict as assert } from "assert";
import * as path from "path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { Redis } from "../../sdk/index";
import { Loose } from "../support/loose";

/** Every property of the schema, with where it is, recursively through the referenced types. */
function properties(schema: Loose): Array<{ where: string; property: Loose }> {
    const found: Array<{ where: string; property: Loose }> = [];
    for (const [token, resource] of Object.entries<Loose>(schema.resources ?? {})) {
        for (const [name, property] of Object.entries<Loose>(resource.inputProperties ?? {})) {
            found.push({ where: `${token} input ${name}`, property });
        }
        for (const [name, property] of Object.entries<Loose>(resource.properties ?? {})) {
            found.push({ where: `${token} output ${name}`, property });
        }
    }
    for (const [token, type] of Object.entries<Loose>(schema.types ?? {})) {
        for (const [name, property] of Object.entries<Loose>(type.properties ?? {})) {
            found.push({ where: `${token}.${name}`, property });
        }
    }
    return found;
}

describe("cross-language schema (Pulumi component provider)", function () {
    this.timeout(60000);
    let schema: Loose;

    before(async () => {
        const provider = new ComponentProvider({
            components: [Redis],
            dirname: path.join(__dirname, "..", "..", "sdk"),
            name: "kubernetes-redis",
        });
        schema = JSON.parse(await provider.getSchema());
    });

    it("describes the Redis component under its type token", () => {
        assert.equal(schema.name, "kubernetes-redis");
        const redis = schema.resources["kubernetes-redis:index:Redis"];
        assert.ok(redis, Object.keys(schema.resources).join(", "));
        assert.equal(redis.isComponent, true);
        assert.deepEqual(Object.keys(redis.properties).sort(), [
            "connection",
            "host",
            "namespace",
            "password",
            "passwordSecretKey",
            "passwordSecretName",
            "port",
            "url",
        ]);
        assert.ok(["integer", "number"].includes(redis.properties.port.type), redis.properties.port.type);
        assert.equal(redis.properties.host.type, "string");
        assert.equal(redis.properties.connection.$ref, "#/types/kubernetes-redis:index:RedisConnection");
    });

    it("types and describes every input and output: no Loose, no missing description", () => {
        const all = properties(schema);
        assert.ok(all.length > 50, `only ${all.length} properties`);
        const untyped = all.filter(({ property }) => JSON.stringify(property).includes("pulumi.json#/Loose"));
        assert.deepEqual(
            untyped.map((p) => p.where),
            [],
        );
        const undescribed = all.filter(({ property }) => !property.description || property.description.trim() === "");
        assert.deepEqual(
            undescribed.map((p) => p.where),
            [],
        );
    });

    it("states the default of every optional input in its description", () => {
        const optionalInputs = properties(schema).filter(({ where }) => !where.includes(" output ") && !where.includes("RedisConnection"));
        const required = new Set([
            "LocalVolumesArgs.path",
            "LocalVolumesArgs.nodeNames",
            "ExistingSecretArgs.name",
            "ResourceListArgs.cpu",
            "ResourceListArgs.memory",
        ]);
        const missing = optionalInputs.filter(
            ({ where, property }) => ![...required].some((r) => where.endsWith(r)) && !/Defaults? to|Required/.test(property.description),
        );
        assert.deepEqual(
            missing.map((p) => p.where),
            [],
        );
    });

    it("exposes the enums as enums", () => {
        for (const name of ["RedisMode", "CloudPreset", "ServiceType", "AppendFsync", "VolumeRetention"]) {
            const type = schema.types[`kubernetes-redis:index:${name}`];
            assert.ok(type?.enum?.length > 1, `${name} is not an enum in the schema`);
        }
        assert.deepEqual(
            schema.types["kubernetes-redis:index:RedisMode"].enum.map((e: Loose) => e.value),
            ["standalone", "sentinel", "cluster"],
        );
    });

    it("marks the password input as a secret-capable Input", () => {
        const auth = schema.types["kubernetes-redis:index:AuthArgs"];
        assert.equal(auth.properties.password.type, "string");
        assert.notEqual(auth.properties.password.plain, true);
    });
});
