// The component from other languages, through its component provider: the TypeScript package
// (sdk/, PulumiPlugin.yaml runtime nodejs) served by @pulumi/pulumi's run-plugin, which finds the
// exported ComponentResource classes and starts componentProviderHost, as Pulumi's own Node.js
// language host does for `pulumi package add ./sdk`. The minimal language hosts of the toolchain
// cache do not implement RunPlugin, GetRequiredPackages or code generation, so the plugin is put
// on PATH as an executable `pulumi-resource-kubernetes-redis` instead, and the Python program
// declares the remote component class that `pulumi package gen-sdk` would generate.
// Each program's `pulumi up` must create the same objects as the TypeScript program (renderRedis,
// the mocks of the TypeScript component, with the same arguments) in a namespace of its own.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import IORedis from "ioredis";
import type { RedisArgs } from "../../../sdk/index";
import { renderRedis } from "../../../tools/render";
import {
    REPO,
    TestStack,
    differences,
    kubeGet,
    kubectlResult,
    requireEngineAndCluster,
    tempDir,
    volumeDir,
    waitFor,
    withAuthVersionFromState,
} from "../../support/pulumi-engine";

const NODE = "kr-node-1";

function argsFor(namespace: string): RedisArgs {
    return {
        namespace,
        createNamespace: true,
        image: "localhost/kubernetes-redis/redis:8.0.2-trixie",
        persistence: { size: "1Gi", localVolumes: { path: "/var/local-volumes", nodeNames: [NODE] } },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "128Mi" } },
        config: { "maxmemory-policy": "allkeys-lru" },
    };
}

/** The plugin executable: the package's directory run by @pulumi/pulumi's run-plugin on Node 22. */
function writePlugin(bin: string): void {
    fs.mkdirSync(bin, { recursive: true });
    const file = path.join(bin, "pulumi-resource-kubernetes-redis");
    fs.writeFileSync(file, `#!/bin/sh\nexec node ${REPO}/node_modules/@pulumi/pulumi/cmd/run-plugin ${REPO}/sdk "$@"\n`, { mode: 0o755 });
}

const LANGUAGES: { language: string; namespace: string; write(dir: string, args: RedisArgs, env: NodeJS.ProcessEnv): void }[] = [
    {
        language: "python",
        namespace: "kr-e2e-py",
        write(dir, args, env) {
            // The Python SDK's virtualenv is a toolchain component; tools/pulumi-env.sh names it.
            const virtualenv = env.KR_PULUMI_PYTHON_VENV as string;
            fs.copyFileSync(path.join(__dirname, "programs/python/__main__.py"), path.join(dir, "__main__.py"));
            fs.writeFileSync(path.join(dir, "args.json"), JSON.stringify({ name: "cache", args }));
            fs.writeFileSync(
                path.join(dir, "Pulumi.yaml"),
                YAML.stringify({ name: "kr-e2e-python", runtime: { name: "python", options: { virtualenv } } }),
            );
        },
    },
    {
        language: "yaml",
        namespace: "kr-e2e-yaml",
        write(dir, args) {
            fs.writeFileSync(
                path.join(dir, "Pulumi.yaml"),
                YAML.stringify({
                    name: "kr-e2e-yaml",
                    runtime: "yaml",
                    resources: { cache: { type: "kubernetes-redis:index:Redis", properties: args } },
                    outputs: { connection: "${cache.connection}", host: "${cache.host}" },
                }),
            );
        },
    },
];

describe("cross-language: the component from Python and Pulumi YAML through its component provider", function () {
    this.timeout(10 * 60 * 1000);
    let env: NodeJS.ProcessEnv;
    let tmp: string;

    before(function () {
        tmp = tempDir("kr-pulumi-xlang-");
        const found = requireEngineAndCluster(this, tmp);
        if (!found) return;
        // The plugin runs the package's build (sdk/bin), not its TypeScript source: build it first.
        execFileSync("npm", ["run", "-s", "build"], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
        const bin = path.join(tmp, "bin");
        writePlugin(bin);
        env = { ...found, PATH: `${bin}:${found.PATH}` };
    });

    after(function () {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    for (const { language, namespace, write } of LANGUAGES) {
        describe(language, () => {
            let test: TestStack | undefined;
            const pv = `${namespace}-cache-data-0`;
            // The class the component creates for its local volume (retained with the claims).
            const storageClass = `${namespace}-cache-data`;

            before(function () {
                kubectlResult(env, ["delete", "namespace", namespace, "--wait=true", "--timeout=120s"]);
                kubectlResult(env, ["delete", "pv", pv, "--wait=true", "--timeout=60s"]);
                kubectlResult(env, ["delete", "storageclass", storageClass]);
                volumeDir(NODE, `/var/local-volumes/${namespace}-cache-0`);
            });

            after(async () => {
                if (test) await test.stack.destroy({ configFile: test.configFile }).catch((e) => console.warn(`destroy ${language}: ${e}`));
                kubectlResult(env, ["delete", "namespace", namespace, "--wait=false"]);
                kubectlResult(env, ["delete", "pv", pv, "--wait=false"]);
                kubectlResult(env, ["delete", "storageclass", storageClass]);
            });

            it(`pulumi up of a ${language} program creates the objects the TypeScript component renders, and Redis answers`, async () => {
                const dir = path.join(tmp, language);
                fs.mkdirSync(dir);
                const args = argsFor(namespace);
                write(dir, args, env);
                test = await TestStack.create(dir, language, env, tmp);
                const started = Date.now();
                const result = await test.stack.up({ configFile: test.configFile });
                console.log(
                    `      ${language} up: ${((Date.now() - started) / 1000).toFixed(1)} s, ${JSON.stringify(result.summary.resourceChanges)}`,
                );
                const outputs = await test.outputs();
                assert.equal(outputs.connection.secret, true, "connection is a secret");
                assert.equal(outputs.host.value, `cache.${namespace}.svc.cluster.local`);

                const state = (await test.exportDecrypted()).deployment.resources;
                const rendered = withAuthVersionFromState(await renderRedis("cache", args), state);
                const found = rendered.flatMap((object) => {
                    const live = kubeGet(env, object.kind, object.metadata.name, object.metadata.namespace);
                    return live
                        ? differences(object, live, `${object.kind}/${object.metadata.name}`)
                        : [`${object.kind}/${object.metadata.name}: missing`];
                });
                assert.deepEqual(found, []);
                const kinds = state
                    .filter((r: { type: string }) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"))
                    .map((r: { type: string }) => r.type.split(":")[2])
                    .sort();
                assert.deepEqual(kinds, [...rendered.map((o) => o.kind), "Secret"].sort(), "the same set of objects (the Secret included)");

                const pod = await waitFor(`cache-0 Ready in ${namespace}`, 180, () => {
                    const p = kubeGet(env, "pod", "cache-0", namespace);
                    return p?.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True")
                        ? p
                        : undefined;
                });
                const client = new IORedis({
                    host: pod.status.podIP,
                    port: 6379,
                    password: outputs.connection.value.password,
                    lazyConnect: true,
                    maxRetriesPerRequest: 0,
                    retryStrategy: () => null,
                });
                try {
                    await client.connect();
                    assert.equal(await client.ping(), "PONG");
                } finally {
                    client.disconnect();
                }
            });
        });
    }
});
