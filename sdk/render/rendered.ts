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
