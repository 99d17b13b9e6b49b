import { AppendFsync, CloudPreset, PersistenceArgs, VolumeRetention } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { storageClassNameFor } from "../names";
import { CLOUD_PRESETS, LOCAL_VOLUMES_STORAGE_CLASS, StorageClassTemplate } from "../presets";
import { DEFAULTS } from "./defaults";
import { PERSISTENCE_KEYS } from "./keys";
import { PersistenceSettings } from "./types";

export function resolvePersistence(
    check: ArgumentChecker,
    args: PersistenceArgs | undefined,
    cloud: CloudPreset | undefined,
    namespace: string,
    name: string,
): PersistenceSettings {
    check.knownKeys("persistence", args, PERSISTENCE_KEYS);
    const enabled = check.boolean("persistence.enabled", args?.enabled, true);
    if (!enabled) {
        const extra = Object.keys(args ?? {}).filter((key) => key !== "enabled");
        if (extra.length > 0) {
            check.fail(
                `persistence.${extra[0]}`,
                (args as Record<string, unknown>)[extra[0]],
                "has no effect with persistence.enabled = false",
                `remove it, or enable persistence`,
            );
        }
    }
    const aof = enabled && check.boolean("persistence.aof", args?.aof, true);
    const rdb = enabled && check.boolean("persistence.rdb", args?.rdb, true);
    if (enabled && !aof && !rdb) {
        check.fail(
            "persistence",
            { aof: false, rdb: false },
            "keeps a volume that nothing writes to",
            "enable aof or rdb, or set persistence.enabled = false for a cache",
        );
    }
    if (!aof && args?.appendfsync !== undefined) {
        check.fail("persistence.appendfsync", args.appendfsync, "has no effect with persistence.aof = false", "remove it, or enable aof");
    }
    if (!rdb && args?.rdbSavePoints !== undefined) {
        check.fail(
            "persistence.rdbSavePoints",
            args.rdbSavePoints,
            "has no effect with persistence.rdb = false",
            "remove it, or enable rdb",
        );
    }
    const rdbSavePoints = rdb ? checkSavePoints(check, args?.rdbSavePoints ?? DEFAULTS.rdbSavePoints) : "";
    const size = check.bytes("persistence.size", args?.size ?? DEFAULTS.persistenceSize).text;
    const localVolumes = args?.localVolumes === undefined ? undefined : checkLocalVolumes(check, args.localVolumes);
    // Static local volumes get a class of their own unless one is named: a claim naming a class
    // that does not exist still binds to a pre-bound volume, but with a warning on every create.
    const createdStorageClass =
        resolveCreatedStorageClass(check, args, cloud) ??
        (localVolumes && args?.storageClassName === undefined ? LOCAL_VOLUMES_STORAGE_CLASS : undefined);
    const storageClassName =
        args?.storageClassName !== undefined
            ? check.dnsSubdomain("persistence.storageClassName", args.storageClassName)
            : createdStorageClass
              ? storageClassNameFor(namespace, name)
              : cloud
                ? CLOUD_PRESETS[cloud].storageClassName
                : undefined;
    return {
        enabled,
        size,
        storageClassName: enabled ? storageClassName : undefined,
        createdStorageClass,
        aof,
        appendfsync: check.oneOf("persistence.appendfsync", args?.appendfsync, AppendFsync, AppendFsync.EverySec),
        rdb,
        rdbSavePoints,
        whenDeleted: check.oneOf("persistence.whenDeleted", args?.whenDeleted, VolumeRetention, VolumeRetention.Retain),
        whenScaled: check.oneOf("persistence.whenScaled", args?.whenScaled, VolumeRetention, VolumeRetention.Retain),
        localVolumes,
    };
}

function checkSavePoints(check: ArgumentChecker, value: unknown): string {
    const fields = typeof value === "string" ? value.trim().split(/\s+/) : [];
    const valid = fields.length >= 2 && fields.length % 2 === 0 && fields.every((field) => /^[1-9][0-9]*$/.test(field));
    if (!valid) {
        check.fail(
            "persistence.rdbSavePoints",
            value,
            "is not a list of save points",
            'use pairs of "<seconds> <changes>" with positive whole numbers, such as "3600 1 300 100"',
        );
    }
    return fields.join(" ");
}

function checkLocalVolumes(check: ArgumentChecker, value: PersistenceArgs["localVolumes"]): { path: string; nodeNames: string[] } {
    check.knownKeys("persistence.localVolumes", value, { path: true, nodeNames: true });
    const path = value?.path;
    if (typeof path !== "string" || !path.startsWith("/") || path.split("/").includes("..") || /[\s\0]/.test(path)) {
        check.fail(
            "persistence.localVolumes.path",
            path,
            'is not an absolute path on the node without ".." or blanks',
            'use a directory such as "/var/lib/redis-volumes"',
        );
    }
    const nodeNames = value?.nodeNames;
    if (!Array.isArray(nodeNames) || nodeNames.length === 0) {
        check.fail("persistence.localVolumes.nodeNames", nodeNames, "names no node", "list the node(s) whose disk holds the volumes");
    }
    nodeNames.forEach((node, i) => check.dnsSubdomain(`persistence.localVolumes.nodeNames[${i}]`, node));
    return { path: path.replace(/\/+$/, "") || "/", nodeNames: [...nodeNames] };
}

function resolveCreatedStorageClass(
    check: ArgumentChecker,
    args: PersistenceArgs | undefined,
    cloud: CloudPreset | undefined,
): StorageClassTemplate | undefined {
    if (!check.boolean("persistence.createStorageClass", args?.createStorageClass, false)) {
        return undefined;
    }
    if (args?.storageClassName !== undefined || args?.localVolumes !== undefined) {
        check.fail(
            "persistence.createStorageClass",
            true,
            `cannot be combined with persistence.${args?.storageClassName !== undefined ? "storageClassName" : "localVolumes"}`,
            "name an existing class, or let the component create one, not both",
        );
    }
    const template = cloud === undefined ? undefined : CLOUD_PRESETS[cloud].createdStorageClass;
    if (template === undefined) {
        check.fail(
            "persistence.createStorageClass",
            true,
            `has no class to create ${cloud === undefined ? "without a cloud preset" : `for cloud "${cloud}"`}`,
            'set cloud to "aws", "gcp" or "azure", or name an existing class in persistence.storageClassName',
        );
    }
    return template;
}
