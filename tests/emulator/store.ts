// The emulator's API server: the objects it was given, by kind and key.
import { ConfigMap, KubeObject, Secret, Service, StatefulSet, objectKey, namespaceOf } from "./types";

export const BUILTIN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export class ObjectStore {
    readonly namespaces = new Set<string>(BUILTIN_NAMESPACES);
    readonly configMaps = new Map<string, ConfigMap>();
    readonly secrets = new Map<string, Secret>();
    readonly services = new Map<string, Service>();
    readonly statefulSets = new Map<string, StatefulSet>();
    /** Recorded only: the emulator provisions claims itself (see volumes.ts). */
    readonly persistentVolumes = new Map<string, KubeObject>();

    configMap(namespace: string, name: string): ConfigMap | undefined {
        return this.configMaps.get(objectKey(namespace, name));
    }

    secret(namespace: string, name: string): Secret | undefined {
        return this.secrets.get(objectKey(namespace, name));
    }

    keyOf(obj: KubeObject): string {
        return objectKey(namespaceOf(obj), obj.metadata.name);
    }
}

/** A ConfigMap's keys and bytes: `data` as UTF-8, `binaryData` base64-decoded. */
export function configMapData(configMap: ConfigMap): Map<string, Buffer> {
    const data = new Map<string, Buffer>();
    for (const [key, value] of Object.entries(configMap.data ?? {})) data.set(key, Buffer.from(value, "utf8"));
    for (const [key, value] of Object.entries(configMap.binaryData ?? {})) data.set(key, Buffer.from(value, "base64"));
    return data;
}

/** A Secret's keys and bytes: `data` base64-decoded, then `stringData` written over it as the API server does. */
export function secretData(secret: Secret): Map<string, Buffer> {
    const data = new Map<string, Buffer>();
    for (const [key, value] of Object.entries(secret.data ?? {})) data.set(key, Buffer.from(value, "base64"));
    for (const [key, value] of Object.entries(secret.stringData ?? {})) data.set(key, Buffer.from(value, "utf8"));
    return data;
}

export function isBase64(value: string): boolean {
    return /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0;
}
