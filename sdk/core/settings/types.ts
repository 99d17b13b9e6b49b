import { AppendFsync, CloudPreset, ServiceType, VolumeRetention } from "../../api/args";
import { ResourceNames } from "../names";
import { StorageClassTemplate } from "../presets";
import { EngineSettings } from "./engine";
import { Topology } from "./topology";

/** Every decision about a deployment, validated and defaulted: the input of every renderer. */
export interface RedisSettings {
    name: string;
    namespace: string;
    createNamespace: boolean;
    /** The topology, resolved once from `mode`: every renderer dispatches on its `kind`. */
    topology: Topology;
    /** The engine, its version, and the binaries the pod runs. */
    engine: EngineSettings;
    /** The container image: `image`, or the engine's default image. */
    image: string;
    cloud?: CloudPreset;
    names: ResourceNames;
    resources: {
        requests: { cpu?: string; memory: string };
        limits: { cpu?: string; memory: string };
    };
    /** Whole bytes. maxmemoryClientsBytes is the default `maxmemory-clients`, unless `config` sets it. */
    memory: { limitBytes: number; maxmemoryBytes: number; maxmemoryClientsBytes: number };
    persistence: PersistenceSettings;
    auth: AuthSettings;
    /** Extra redis.conf directives, including the defaulted `maxmemory-policy`. */
    config: Record<string, string>;
    service: {
        type: ServiceType;
        annotations: Record<string, string>;
        loadBalancerSourceRanges: string[];
    };
    podLabels: Record<string, string>;
    podAnnotations: Record<string, string>;
    nodeSelector: Record<string, string>;
    priorityClassName?: string;
    terminationGracePeriodSeconds: number;
}

export interface PersistenceSettings {
    enabled: boolean;
    size: string;
    storageClassName?: string;
    /** The StorageClass the component creates, when asked to; `storageClassName` is its name. */
    createdStorageClass?: StorageClassTemplate;
    aof: boolean;
    appendfsync: AppendFsync;
    rdb: boolean;
    /** Empty when RDB is off. */
    rdbSavePoints: string;
    whenDeleted: VolumeRetention;
    whenScaled: VolumeRetention;
    localVolumes?: { path: string; nodeNames: string[] };
}

export interface AuthSettings {
    /** Where the password comes from. */
    source: "generated" | "provided" | "existingSecret";
    /** The Secret that holds the password: created by the component unless it is an existing one. */
    secretName: string;
    secretKey: string;
}
