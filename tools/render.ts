import * as YAML from "yaml";
import { Redis, RedisArgs } from "../sdk/index";
import { inApplyOrder, KubeObject } from "../sdk/render";
import { deployStack } from "../stack";
import { MockRun, runWithMocks } from "./pulumi-mocks";
import { loadStackConfig } from "./stack-config";

export { KubeObject } from "../sdk/render";

export const REDACTED = "<redacted: render with --show-secrets>";

/**
 * Every Kubernetes object that `pulumi up` on this stack would create: the stack program runs
 * against Pulumi's mocks with the stack's config, and the inputs of every Kubernetes resource
 * are collected. A generated password is a fresh random one (there is no stack state offline).
 */
export async function renderStack(stack: string, options: { showSecrets?: boolean } = {}): Promise<KubeObject[]> {
    const { project, config, secretKeys } = loadStackConfig(stack);
    return kubeObjects(await runWithMocks({ project, stack, config, secretKeys }, deployStack), options);
}

/** Every Kubernetes object of one `new Redis(name, args)`, rendered the same way. */
export async function renderRedis(name: string, args: RedisArgs, options: { showSecrets?: boolean } = {}): Promise<KubeObject[]> {
    const run = await runWithMocks({ project: "render", stack: "render" }, () => ({ connection: new Redis(name, args).connection }));
    return kubeObjects(run, options);
}

export function kubeObjects(run: MockRun, options: { showSecrets?: boolean }): KubeObject[] {
    const objects = run.resources
        .filter((resource) => !resource.read && resource.type.startsWith("kubernetes:"))
        .map((resource) => canonicalOrder(withoutUndefined(resource.inputs) as KubeObject))
        .map((object) => (options.showSecrets || object.kind !== "Secret" ? object : redactSecret(object)));
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

function redactSecret(secret: KubeObject): KubeObject {
    const redact = (data: unknown) =>
        data && typeof data === "object" ? Object.fromEntries(Object.keys(data).map((key) => [key, REDACTED])) : data;
    return {
        ...secret,
        ...(secret.stringData ? { stringData: redact(secret.stringData) } : {}),
        ...(secret.data ? { data: redact(secret.data) } : {}),
    };
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
