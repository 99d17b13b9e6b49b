import { CloudPreset } from "../api/args";

/** What a cloud preset decides. */
export interface CloudDefaults {
    /** StorageClass of the data volumes when `persistence.storageClassName` is not set. */
    storageClassName: string;
    /** Annotations that make a LoadBalancer Service internal to the cluster's network. */
    internalLoadBalancerAnnotations: Record<string, string>;
}

/** StorageClass of statically declared `local` volumes; it need not exist as an object. */
export const LOCAL_VOLUME_STORAGE_CLASS = "redis-local";

export const CLOUD_PRESETS: Record<CloudPreset, CloudDefaults> = {
    // kind's and minikube's default class. A LoadBalancer there comes from MetalLB or
    // `minikube tunnel`, which have no notion of "internal".
    [CloudPreset.Local]: {
        storageClassName: "standard",
        internalLoadBalancerAnnotations: {},
    },
    // gp3 is the current general-purpose EBS class. The annotations are those of the AWS Load
    // Balancer Controller: an NLB with IP targets, internal scheme.
    [CloudPreset.Aws]: {
        storageClassName: "gp3",
        internalLoadBalancerAnnotations: {
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        },
    },
    [CloudPreset.Gcp]: {
        storageClassName: "pd-balanced",
        internalLoadBalancerAnnotations: {
            "networking.gke.io/load-balancer-type": "Internal",
        },
    },
    [CloudPreset.Azure]: {
        storageClassName: "managed-csi",
        internalLoadBalancerAnnotations: {
            "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
        },
    },
};
