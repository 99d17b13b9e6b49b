import { MemoryArgs, ResourcesArgs } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { formatBytes } from "../checks/quantity";
import { DEFAULTS, MIN_MEMORY_LIMIT } from "./defaults";
import { MEMORY_KEYS, RESOURCE_LIST_KEYS, RESOURCES_KEYS } from "./keys";

export function resolveResources(check: ArgumentChecker, args: ResourcesArgs | undefined) {
    check.knownKeys("resources", args, RESOURCES_KEYS);
    check.knownKeys("resources.requests", args?.requests, RESOURCE_LIST_KEYS);
    check.knownKeys("resources.limits", args?.limits, RESOURCE_LIST_KEYS);
    const cpu = (path: string, value: string | undefined) => (value === undefined ? undefined : check.quantity(path, value).text);
    const requestCpu = cpu("resources.requests.cpu", args?.requests === undefined ? DEFAULTS.requests.cpu : args.requests.cpu);
    const limitCpu = cpu("resources.limits.cpu", args?.limits?.cpu);
    const explicitRequest =
        args?.requests?.memory === undefined ? undefined : check.quantity("resources.requests.memory", args.requests.memory);
    const explicitLimit = args?.limits?.memory === undefined ? undefined : check.quantity("resources.limits.memory", args.limits.memory);
    const request = explicitRequest ?? explicitLimit ?? check.quantity("resources.requests.memory", DEFAULTS.requests.memory);
    const limit = explicitLimit ?? request;
    if (limit.value < request.value) {
        check.fail(
            "resources.limits.memory",
            limit.text,
            `is below resources.requests.memory (${request.text})`,
            "use a limit at least as large as the request",
        );
    }
    if (limit.value < MIN_MEMORY_LIMIT) {
        check.fail("resources.limits.memory", limit.text, "leaves Redis no room to run", `use at least ${formatBytes(MIN_MEMORY_LIMIT)}`);
    }
    if (
        requestCpu !== undefined &&
        limitCpu !== undefined &&
        check.quantity("resources.limits.cpu", limitCpu).value < check.quantity("resources.requests.cpu", requestCpu).value
    ) {
        check.fail(
            "resources.limits.cpu",
            limitCpu,
            `is below resources.requests.cpu (${requestCpu})`,
            "use a limit at least as large as the request",
        );
    }
    return {
        requests: { cpu: requestCpu, memory: request.text },
        limits: { cpu: limitCpu, memory: limit.text },
        limitBytes: limit.value,
    };
}

export function resolveMemory(check: ArgumentChecker, args: MemoryArgs | undefined, limitBytes: number, persistent: boolean) {
    check.knownKeys("memory", args, MEMORY_KEYS);
    if (args?.maxmemory !== undefined && args.maxmemoryPercent !== undefined) {
        check.fail("memory", args, "sets both maxmemory and maxmemoryPercent", "set only one of them");
    }
    const limitBytesRounded = Math.floor(limitBytes);
    if (args?.maxmemory !== undefined) {
        const maxmemory = check.quantity("memory.maxmemory", args.maxmemory);
        if (maxmemory.value >= limitBytesRounded) {
            check.fail(
                "memory.maxmemory",
                args.maxmemory,
                `is not below the container memory limit (${formatBytes(limitBytesRounded)}), so Redis would be OOM-killed before it evicts`,
                "use a smaller value (at most about 70% of the limit with persistence on), or raise resources.limits.memory",
            );
        }
        return { limitBytes: limitBytesRounded, maxmemoryBytes: Math.floor(maxmemory.value) };
    }
    const fallback = persistent ? DEFAULTS.maxmemoryPercentDurable : DEFAULTS.maxmemoryPercentCache;
    const percent = check.integer("memory.maxmemoryPercent", args?.maxmemoryPercent, fallback, 10, 95);
    const mebibyte = 2 ** 20;
    const maxmemoryBytes = Math.floor((limitBytesRounded * percent) / 100 / mebibyte) * mebibyte;
    return { limitBytes: limitBytesRounded, maxmemoryBytes };
}
