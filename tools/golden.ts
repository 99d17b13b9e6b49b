import * as fs from "fs";
import * as path from "path";
import { runWithMocks } from "./pulumi-mocks";
import { kubeObjects, renderStack, toYaml } from "./render";
import { REPO_ROOT, stackNames } from "./stack-config";

/** Where the golden renders live: one YAML file per stack and example. */
export const GOLDEN_DIR = path.join(REPO_ROOT, "tests", "render", "golden");

/** The connection the consumer example reads through its StackReference when rendered offline. */
export const CONSUMER_REFERENCE = {
    stack: "acme/kubernetes-redis/aws",
    connection: {
        host: "redis.data.svc.cluster.local",
        port: 6379,
        password: "From-The-Redis-Stack-0123456789abcdefghij",
        url: "redis://:From-The-Redis-Stack-0123456789abcdefghij@redis.data.svc.cluster.local:6379",
        namespace: "data",
        passwordSecretName: "redis-auth",
        passwordSecretKey: "password",
    },
};

/** Loads an example program afresh, as `pulumi up` would run it. */
export function loadExample(example: string): Record<string, unknown> {
    const file = require.resolve(path.join(REPO_ROOT, "examples", example, "index.ts"));
    delete require.cache[file];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file);
}

/** Runs an example under mocks, with the config and StackReference values it needs offline. */
export function runExample(example: string) {
    const config: Record<string, string> = example === "consumer" ? { "redis-consumer:redisStack": CONSUMER_REFERENCE.stack } : {};
    return runWithMocks(
        {
            project: `redis-${example}`,
            stack: "dev",
            config,
            reads: {
                "pulumi:pulumi:StackReference": {
                    outputs: { connection: CONSUMER_REFERENCE.connection },
                    secretOutputNames: ["connection"],
                },
            },
        },
        () => loadExample(example),
    );
}

/** The examples: every folder of examples/ with a Pulumi.yaml. */
export function exampleNames(): string[] {
    const root = path.join(REPO_ROOT, "examples");
    return fs
        .readdirSync(root)
        .filter((name) => fs.existsSync(path.join(root, name, "Pulumi.yaml")))
        .sort();
}

/** Every golden case, by file name, with the render that must match it. Secrets are redacted. */
export function goldenCases(): { file: string; render: () => Promise<string> }[] {
    return [
        ...stackNames().map((stack) => ({ file: `stack-${stack}.yaml`, render: async () => toYaml(await renderStack(stack)) })),
        ...exampleNames().map((example) => ({
            file: `example-${example}.yaml`,
            render: async () => toYaml(kubeObjects(await runExample(example), {})),
        })),
    ];
}
