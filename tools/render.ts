import * as YAML from "yaml";
import { Redis, RedisArgs, RedisConnection } from "../sdk/index";
import { inApplyOrder, KubeObject } from "../sdk/render";
import { deployStack } from "../stack";
import { MockRun, runWithMocks } from "./pulumi-mocks";
import { loadStackConfig } from "./stack-config";

export { KubeObject } from "../sdk/render";

/**
 * Every Kubernetes object that `pulumi up` on this stack would create: the stack program runs
 * against Pulumi's mocks with the stack's config, and the inputs of every Kubernetes resource
 * are collected. A generated password is a fresh random one (there is no stack state offline).
 * Secrets are left out unless `showSecrets` is set: a redacted Secret applied by accident would
 * set a placeholder password, while a missing one only keeps the pod from starting.
 */
export async function renderStack(stack: string, options: { showSecrets?: boolean } = {}): Promise<KubeObject[]> {
    return (await renderStackWithOutputs(stack, options)).objects;
}

/** The objects of `renderStack` and the stack's outputs (`connection` among them), as the program exports them. */
export async function renderStackWithOutputs(stack: string, options: { showSecrets?: boolean } = {}) {
    const { project, config, secretKeys } = loadStackConfig(stack);
    const run = await runWithMocks({ project, stack, config, secretKeys }, deployStack);
    return { objects: kubeObjects(run, options), outputs: run.exports as { connection: RedisConnection } };
}

/**
 * Every Kubernetes object of one `new Redis(name, args)`, rendered the same way. `clusterIPs`
 * gives the addresses of Services that exist already ("namespace/name"), as the pods' hostAliases
 * must name them; others are made up.
 */
export async function renderRedis(
    name: string,
    args: RedisArgs,
    options: { showSecrets?: boolean; clusterIPs?: Record<string, string> } = {},
): Promise<KubeObject[]> {
    const run = await runWithMocks({ project: "render", stack: "render", clusterIPs: options.clusterIPs }, () => ({
        connection: new Redis(name, args).connection,
    }));
    return kubeObjects(run, options);
}

export function kubeObjects(run: MockRun, options: { showSecrets?: boolean }): KubeObject[] {
    const objects = run.resources
        .filter((resource) => !resource.read && resource.type.startsWith("kubernetes:"))
        .map((resource) => canonicalOrder(withoutUndefined(resource.inputs) as KubeObject))
        .filter((object) => options.showSecrets || object.kind !== "Secret");
    return inApplyOrder(objects, (object) => object.kind);
}

/** Multi-document YAML, one document per object. */
export function toYaml(objects: KubeObject[]): string {
    return objects.map((object) => YAML.stringify(object, { lineWidth: 0 })).join("---\n");
}

/** apiVersion, kind and metadata first, as people write manifests. */
function canonicalOrder(object: KubeObject): KubeObject {
    const { apiVersion, kind, metadata, ...rest } = object;
    return { apiVersion, kind, metadata, ...rest };
}

/** Pulumi's inputs carry explicit undefined for unset optional fields; YAML would print them as null. */
function withoutUndefined(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(withoutUndefined);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, withoutUndefined(v)]),
        );
    }
    return value;
}
