import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { engineOfImage } from "../../sdk/core/checks/directive-table";
import { DEFAULT_IMAGES, ENGINE_BINARIES } from "../../sdk/core/constants";
import { resolveSettings } from "../../sdk/core/settings";
import { binaryVersion } from "../../tools/image-binaries";
import { ENGINES, requireEngine } from "./engines";
import { client, Server, startServer, stopServer } from "./pod";

/**
 * The version each default image's tag names is the version the tests run: the locally built
 * image's package, its binaries' --version, and the running server's INFO. A default image bumped
 * without the toolchain's images (or the reverse) fails here instead of drifting.
 */
for (const engine of ENGINES) {
    describe(`engine versions agree (${engine}): the default image's tag, the image the tests run, the binary, INFO server`, function () {
        this.timeout(60000);
        const named = engineOfImage(DEFAULT_IMAGES[engine]);
        before(function () {
            requireEngine(this, engine);
        });

        let server: Server | undefined;
        afterEach(async () => {
            await stopServer(server);
            server = undefined;
        });

        it("the default image names the engine and a full version, and the settings use it", () => {
            assert.ok(named, DEFAULT_IMAGES[engine]);
            assert.equal(named.engine, engine);
            assert.match(named.version, /^[0-9]+\.[0-9]+\.[0-9]+$/);
            const settings = resolveSettings("cache", { engine });
            assert.equal(settings.image, DEFAULT_IMAGES[engine]);
            assert.deepEqual(settings.engine.target, named);
            assert.equal(settings.engine.serverBinary, ENGINE_BINARIES[engine].server);
        });

        it("the locally built image and its server and cli binaries are that version", function () {
            const binaries = requireEngine(this, engine);
            assert.equal(binaries.image.upstreamVersion, named!.version, binaries.image.ref);
            assert.equal(engineOfImage(binaries.image.ref)?.version, named!.version, binaries.image.ref);
            assert.equal(binaryVersion(binaries.server).version, named!.version);
            assert.match(binaryVersion(binaries.server).line, new RegExp(`^${engine} server v=`, "i"));
            assert.equal(binaryVersion(binaries.cli).version, named!.version);
        });

        it("the server the pod scripts start reports that version in INFO server", async () => {
            server = await startServer(engine, {});
            const redis = client(server, server.password);
            await redis.connect();
            const info = (await redis.info("server")) as string;
            redis.disconnect();
            const field = (name: string) => new RegExp(`^${name}:(.*)\\r?$`, "m").exec(info)?.[1];
            // Valkey keeps redis_version at 7.2.4 for clients that test it, and reports its own in valkey_version.
            assert.equal(field(engine === "valkey" ? "valkey_version" : "redis_version"), named!.version, info);
            if (engine === "valkey") {
                assert.equal(field("server_name"), "valkey");
                assert.equal(field("redis_version"), "7.2.4", "what Valkey tells clients that test redis_version");
            }
        });
    });
}

describe("the local stack runs the locally built image of the default version", function () {
    it("Pulumi.local.yaml names localhost/kubernetes-redis/<engine> at the default image's version", () => {
        const stack = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.local.yaml"), "utf8"));
        const image: string = stack.config["kubernetes-redis:image"];
        const engine = stack.config["kubernetes-redis:engine"] ?? "redis";
        assert.match(image, new RegExp(`^localhost/kubernetes-redis/${engine}:`));
        assert.equal(engineOfImage(image)?.version, engineOfImage(DEFAULT_IMAGES[engine as "redis" | "valkey"])?.version);
    });
});
