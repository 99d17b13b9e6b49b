import { RenderedKind } from "./order";

/** A Kubernetes object as it is applied. */
export interface KubeObject {
    apiVersion: string;
    kind: RenderedKind;
    metadata: { name: string; namespace?: string; [field: string]: unknown };
    [field: string]: unknown;
}

/**
 * One object of a deployment, with what the shell needs to register it: renderers return data,
 * the component registers every one of them in one loop.
 */
export interface Rendered {
    /** Unique within a deployment: the child resource is named `<component name>-<key>`. */
    key: string;
    object: KubeObject;
    /** Keys of the objects that must exist before this one. */
    after: string[];
    /** The object's name is fixed, so a replacement must delete the old object first. */
    replaceFirst?: boolean;
    /** Deleting the component leaves this object in the cluster. */
    retainOnDelete?: boolean;
    /** Fields whose changes are not applied (they cannot change in place, and are handled otherwise). */
    ignoreChanges?: string[];
    /** Fields of the object's state that hold secrets. */
    secretFields?: string[];
    /**
     * Host names that the pods of this StatefulSet resolve from their /etc/hosts, each to the
     * cluster IP of the Service registered under `serviceKey` (an entry before this one): the
     * address only exists once that Service does, so the shell fills it in (withHostAliases).
     */
    hostAliases?: HostAlias[];
}

/** A host name the pods resolve, without DNS, to the cluster IP of the Service under `serviceKey`. */
export interface HostAlias {
    serviceKey: string;
    hostname: string;
}

/**
 * The StatefulSet `object` with its pods' hostAliases: each alias's host name resolves to the
 * address `addressOf` gives for its Service (an Output in the shell, a string elsewhere). Host
 * names sharing an address share one entry.
 */
export function withHostAliases<T>(object: KubeObject, aliases: HostAlias[], addressOf: (serviceKey: string) => T): KubeObject {
    if (aliases.length === 0) {
        return object;
    }
    const spec = object.spec as { template: { spec: Record<string, unknown> } };
    const byService = new Map<string, string[]>();
    for (const { serviceKey, hostname } of aliases) {
        byService.set(serviceKey, [...(byService.get(serviceKey) ?? []), hostname]);
    }
    const hostAliases = [...byService].map(([serviceKey, hostnames]) => ({ ip: addressOf(serviceKey), hostnames }));
    return { ...object, spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, hostAliases } } } };
}

/**
 * The values only known at deploy time that renderers place into objects. The shell passes
 * secret Outputs; tests and the offline renderer pass strings.
 */
export interface DeployTimeValues<T> {
    /** The password, placed only into the Secret the component creates. */
    password: T;
    /** A random id that changes with the password: on the pod template, it rolls the pods. */
    authVersion: T;
}
