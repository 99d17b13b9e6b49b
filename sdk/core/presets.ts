import { CloudPreset } from "../api/args";

/** A StorageClass the component creates for its volumes. */
export interface StorageClassTemplate {
    provisioner: string;
    parameters: Record<string, string>;
    /** Whether a claim of the class can grow in place. */
    allowVolumeExpansion: boolean;
}

/** What a cloud preset decides. */
export interface CloudDefaults {
    /**
     * StorageClass of the data volumes when `persistence.storageClassName` is not set: one that
     * the cloud creates in every cluster, so that a claim never waits for a class that is not there.
     */
    storageClassName: string;
    /** The class `persistence.createStorageClass` creates: the cloud's recommended disk, expandable. None for `local`. */
    createdStorageClass?: StorageClassTemplate;
    /** Annotations that make a LoadBalancer Service internal to the cluster's network. */
    internalLoadBalancerAnnotations: Record<string, string>;
}

/**
 * The class of statically declared `local` volumes (`persistence.localVolumes`): nothing
 * provisions them, claims bind when the pod is scheduled, and a local disk cannot grow.
 */
export const LOCAL_VOLUMES_STORAGE_CLASS: StorageClassTemplate = {
    provisioner: "kubernetes.io/no-provisioner",
    parameters: {},
    allowVolumeExpansion: false,
};

export const CLOUD_PRESETS: Record<CloudPreset, CloudDefaults> = {
    // kind's and minikube's default class. A LoadBalancer there comes from MetalLB or
    // `minikube tunnel`, which have no notion of "internal".
    [CloudPreset.Local]: {
        storageClassName: "standard",
        internalLoadBalancerAnnotations: {},
    },
    // EKS creates only `gp2` (in-tree EBS, not expandable as created; EKS Auto Mode creates no
    // class at all). gp3 needs a class of one's own: `persistence.createStorageClass` makes one
    // with the EBS CSI driver. The annotations are those of the AWS Load Balancer Controller: an
    // NLB with IP targets, internal scheme.
    [CloudPreset.Aws]: {
        storageClassName: "gp2",
        createdStorageClass: { provisioner: "ebs.csi.aws.com", parameters: { type: "gp3", encrypted: "true" }, allowVolumeExpansion: true },
        internalLoadBalancerAnnotations: {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        },
    },
    // GKE creates `standard-rwo` (pd-balanced, the default) and `premium-rwo` (pd-ssd), both expandable.
    [CloudPreset.Gcp]: {
        storageClassName: "standard-rwo",
        createdStorageClass: { provisioner: "pd.csi.storage.gke.io", parameters: { type: "pd-balanced" }, allowVolumeExpansion: true },
        internalLoadBalancerAnnotations: {
            "networking.gke.io/load-balancer-type": "Internal",
        },
    },
    // AKS creates `managed-csi` (StandardSSD_LRS, the default) and `managed-csi-premium`, both expandable.
    [CloudPreset.Azure]: {
        storageClassName: "managed-csi",
        createdStorageClass: { provisioner: "disk.csi.azure.com", parameters: { skuname: "StandardSSD_LRS" }, allowVolumeExpansion: true },
        internalLoadBalancerAnnotations: {
            "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
        },
    },
};
