import { CloudPreset, ServiceArgs, ServiceType } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { CLOUD_PRESETS } from "../presets";
import { SERVICE_KEYS } from "./keys";
import { RedisSettings } from "./types";

export function resolveService(
    check: ArgumentChecker,
    args: ServiceArgs | undefined,
    cloud: CloudPreset | undefined,
): RedisSettings["service"] {
    check.knownKeys("service", args, SERVICE_KEYS);
    const type = check.oneOf("service.type", args?.type, ServiceType, ServiceType.ClusterIP);
    const internal = check.boolean("service.internal", args?.internal, true);
    const userAnnotations = check.stringMap("service.annotations", args?.annotations, "annotation");
    const ranges = args?.loadBalancerSourceRanges;
    if (ranges !== undefined && !Array.isArray(ranges)) {
        check.fail("service.loadBalancerSourceRanges", ranges, "is not a list", 'use a list of CIDRs such as ["10.0.0.0/8"]');
    }
    const sourceRanges = (ranges ?? []).map((range, i) => check.cidr(`service.loadBalancerSourceRanges[${i}]`, range));
    if (type !== ServiceType.LoadBalancer) {
        if (sourceRanges.length > 0) {
            check.fail(
                "service.loadBalancerSourceRanges",
                ranges,
                `has no effect on a ${type} Service`,
                'remove it, or set service.type = "LoadBalancer"',
            );
        }
        return { type, annotations: userAnnotations, loadBalancerSourceRanges: [] };
    }
    if (internal && cloud === undefined) {
        check.fail(
            "service.type",
            type,
            "would create a load balancer that may be public: no cloud preset says how to make it internal",
            "set cloud (local, aws, gcp or azure), or set service.internal = false and add your own annotations",
        );
    }
    const presetAnnotations = internal && cloud ? CLOUD_PRESETS[cloud].internalLoadBalancerAnnotations : {};
    return { type, annotations: { ...presetAnnotations, ...userAnnotations }, loadBalancerSourceRanges: sourceRanges };
}
