import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** A resource the program registered (or read) under mocks, with its resolved inputs. */
export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** True for `Resource.get` reads of existing objects: nothing is created for them. */
    read: boolean;
    /** Dotted paths of the inputs that were marked secret. */
    secretPaths: string[];
}

/** What a mocked run of a program produced. */
export interface MockRun {
    resources: RecordedResource[];
    /** The value the program exported or the promise/outputs given, resolved. */
    exports: Record<string, unknown>;
}

export interface MockRunOptions {
    project: string;
    stack: string;
    /** Full config keys ("project:key") to string values, as Pulumi passes them to a program. */
    config?: Record<string, string>;
    secretKeys?: string[];
    /** Values returned for `Resource.get` reads, by type token. */
    reads?: Record<string, Record<string, unknown>>;
    /** The cluster IPs of Services that exist, by "namespace/name"; others get one made up (see serviceClusterIP). */
    clusterIPs?: Record<string, string>;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A RandomPassword result the way the provider makes one: length and character set honoured. */
function randomPassword(inputs: Record<string, unknown>): string {
    const length = typeof inputs.length === "number" ? inputs.length : 16;
    const alphabet = inputs.special === false ? ALPHANUMERIC : `${ALPHANUMERIC}!#$%&*()-_=+[]{}<>:?`;
    return Array.from(crypto.randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join("");
}

/**
 * A RandomId's hex. The provider draws it at random; here it is derived from the resource name,
 * so that renders are reproducible (the golden files), with the byte length honoured.
 */
function randomIdHex(name: string, inputs: Record<string, unknown>): string {
    const bytes = typeof inputs.byteLength === "number" ? inputs.byteLength : 8;
    return crypto
        .createHash("sha256")
        .update(name)
        .digest("hex")
        .slice(0, 2 * bytes);
}

/**
 * A Service's cluster IP: the one given for it, or, as the API server would allocate one, an
 * address in 10.96.0.0/16 derived from its namespace and name, so that renders are reproducible.
 * A headless Service keeps its "None".
 */
function serviceClusterIP(inputs: Record<string, unknown>, known: Record<string, string>): string {
    const metadata = (inputs.metadata ?? {}) as { namespace?: string; name?: string };
    const requested = ((inputs.spec ?? {}) as { clusterIP?: string }).clusterIP;
    const key = `${metadata.namespace ?? "default"}/${metadata.name}`;
    if (requested) {
        return requested;
    }
    if (known[key]) {
        return known[key];
    }
    const [high, low] = crypto.createHash("sha256").update(key).digest();
    return `10.96.${high}.${Math.max(low, 1)}`;
}

/**
 * Runs `program` against Pulumi's mock monitor and records every resource it registers, with
 * inputs resolved (secrets unwrapped). Used by the unit tests and by the offline renderer.
 */
export async function runWithMocks(
    options: MockRunOptions,
    program: () => Record<string, unknown> | Promise<Record<string, unknown>>,
): Promise<MockRun> {
    const resources: RecordedResource[] = [];
    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const read = args.id !== undefined && args.id !== "" && args.custom === true;
                const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
                resources.push({ type: args.type, name: args.name, inputs, read, secretPaths: secretPaths(args.inputs) });
                if (read) {
                    return { id: args.id as string, state: options.reads?.[args.type] ?? {} };
                }
                const state =
                    args.type === "random:index/randomPassword:RandomPassword"
                        ? { ...inputs, result: randomPassword(inputs) }
                        : args.type === "random:index/randomId:RandomId"
                          ? { ...inputs, hex: randomIdHex(args.name, inputs) }
                          : args.type === "kubernetes:core/v1:Service"
                            ? {
                                  ...inputs,
                                  spec: {
                                      ...((inputs.spec ?? {}) as object),
                                      clusterIP: serviceClusterIP(inputs, options.clusterIPs ?? {}),
                                  },
                              }
                            : inputs;
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                return args.inputs;
            },
        },
        options.project,
        options.stack,
        false,
    );

    const outputs = await program();
    const exports: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
        exports[key] = await resolve(value);
    }
    // Registrations of children finish after the outputs resolve: wait for the RPC queue.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    return { resources, exports };
}

function isSecretValue(value: unknown): value is { value: unknown } {
    return (
        value !== null &&
        typeof value === "object" &&
        (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
    );
}

/** Inputs as the provider receives them: secret markers removed. */
function unwrapSecrets(value: unknown): unknown {
    if (isSecretValue(value)) {
        return unwrapSecrets(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

function secretPaths(value: unknown, path = ""): string[] {
    if (isSecretValue(value)) {
        return [path];
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => secretPaths(v, path ? `${path}.${k}` : k));
    }
    return [];
}

/** The value of an Output (secret or not) or of a plain value. */
export function resolve<T>(value: pulumi.Input<T> | T): Promise<T> {
    if (pulumi.Output.isInstance(value)) {
        return new Promise((done) =>
            (value as pulumi.Output<T>).apply((v) => {
                done(v);
                return v;
            }),
        );
    }
    return Promise.resolve(value as T);
}

/** Whether an Output is marked secret. */
export function isSecret(value: unknown): Promise<boolean> {
    return pulumi.Output.isInstance(value) ? pulumi.isSecret(value as pulumi.Output<unknown>) : Promise.resolve(false);
}
