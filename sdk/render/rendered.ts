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
 * The pods' hostAliases for `aliases`, `addresses` holding each alias's Service address in the
 * same order. Host names sharing an address share one entry: the API server refuses a list with
 * two entries for one address, and a preview (a dry run of each Service's creation) reports the
 * same placeholder address (the range's first) for every new Service.
 */
export function hostAliasEntries(aliases: HostAlias[], addresses: string[]): { ip: string; hostnames: string[] }[] {
    const byAddress = new Map<string, string[]>();
    aliases.forEach(({ hostname }, index) => byAddress.set(addresses[index], [...(byAddress.get(addresses[index]) ?? []), hostname]));
    return [...byAddress].map(([ip, hostnames]) => ({ ip, hostnames }));
}

/**
 * The StatefulSet `object` with its pod template's hostAliases set to `entries`: a list, or the
 * shell's Output of one (made once every address is known, so that hostAliasEntries sees them all).
 */
export function withHostAliases<T>(object: KubeObject, entries: T): KubeObject {
    const spec = object.spec as { template: { spec: Record<string, unknown> } };
    return { ...object, spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, hostAliases: entries } } } };
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
