import { MemoryArgs, ResourcesArgs } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { formatBytes } from "../checks/quantity";
import { DEFAULTS, MIN_MAXMEMORY, MIN_MEMORY_LIMIT } from "./defaults";
import { MEMORY_KEYS, RESOURCE_LIST_KEYS, RESOURCES_KEYS } from "./keys";

const MiB = 2 ** 20;

/**
 * Requests and limits, defaulted field by field: giving one field never drops the default of
 * another. The memory request follows a memory limit given alone (as Kubernetes does) and the
 * memory limit follows the request; the CPU request defaults to 250m, or to the CPU limit when
 * that is lower; there is no CPU limit unless one is given.
 */
export function resolveResources(check: ArgumentChecker, args: ResourcesArgs | undefined) {
    check.knownKeys("resources", args, RESOURCES_KEYS);
    check.knownKeys("resources.requests", args?.requests, RESOURCE_LIST_KEYS);
    check.knownKeys("resources.limits", args?.limits, RESOURCE_LIST_KEYS);
    const given = { requests: args?.requests ?? {}, limits: args?.limits ?? {} };

    const limitCpu = given.limits.cpu === undefined ? undefined : check.quantity("resources.limits.cpu", given.limits.cpu);
    const defaultCpu = check.quantity("resources.requests.cpu", DEFAULTS.requests.cpu);
    const requestCpu =
        given.requests.cpu !== undefined
            ? check.quantity("resources.requests.cpu", given.requests.cpu)
            : limitCpu !== undefined && limitCpu.value < defaultCpu.value
              ? limitCpu
              : defaultCpu;
    if (limitCpu !== undefined && limitCpu.value < requestCpu.value) {
        check.fail(
            "resources.limits.cpu",
            limitCpu.text,
            `is below resources.requests.cpu (${requestCpu.text})`,
            "use a limit at least as large as the request",
        );
    }

    const explicitRequest =
        given.requests.memory === undefined ? undefined : check.bytes("resources.requests.memory", given.requests.memory);
    const explicitLimit = given.limits.memory === undefined ? undefined : check.bytes("resources.limits.memory", given.limits.memory);
    const request = explicitRequest ?? explicitLimit ?? check.bytes("resources.requests.memory", DEFAULTS.requests.memory);
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
        check.fail("resources.limits.memory", limit.text, "leaves Redis no room to run", `use at least ${mebibytes(MIN_MEMORY_LIMIT)}`);
    }
    return {
        requests: { cpu: requestCpu.text, memory: request.text },
        limits: { cpu: limitCpu?.text, memory: limit.text },
        limitBytes: limit.value,
    };
}

/**
 * `maxmemory` and the default `maxmemory-clients`, in whole bytes. Whether derived from a
 * percentage or given explicitly, `maxmemory` keeps the same headroom below the container limit:
 * 30% of it with persistence (the fork's copy-on-write, client buffers, fragmentation), 15%
 * without; a value that keeps less is refused, naming the largest value and the limit that would
 * allow it. `maxmemory-clients` is a quarter of the headroom that is left.
 */
export function resolveMemory(check: ArgumentChecker, args: MemoryArgs | undefined, limitBytes: number, persistent: boolean) {
    check.knownKeys("memory", args, MEMORY_KEYS);
    if (args?.maxmemory !== undefined && args.maxmemoryPercent !== undefined) {
        check.fail("memory", args, "sets both maxmemory and maxmemoryPercent", "set only one of them");
    }
    const headroomPercent = persistent ? DEFAULTS.minHeadroomPercentDurable : DEFAULTS.minHeadroomPercentCache;
    const maxPercent = 100 - headroomPercent;
    const why = persistent
        ? "which persistence needs for the fork's copy-on-write, client buffers and fragmentation"
        : "which a cache needs for client buffers and fragmentation";
    const limit = BigInt(limitBytes);
    /** The largest maxmemory the headroom rule allows. */
    const ceiling = (limit * BigInt(maxPercent)) / 100n;
    let maxmemory: bigint;
    if (args?.maxmemory !== undefined) {
        maxmemory = BigInt(check.bytes("memory.maxmemory", args.maxmemory, MIN_MAXMEMORY).value);
        if (maxmemory > ceiling) {
            const neededLimit = (maxmemory * 100n + BigInt(maxPercent) - 1n) / BigInt(maxPercent);
            check.fail(
                "memory.maxmemory",
                args.maxmemory,
                maxmemory >= limit
                    ? `is not below the container memory limit (${mebibytes(limit)}), so Redis would be OOM-killed before it evicts`
                    : `leaves ${mebibytes(limit - maxmemory)} of the ${mebibytes(limit)} memory limit as headroom, less than the ${headroomPercent}% ${why}`,
                `use at most "${mebibytes(ceiling)}" (${maxPercent}% of the limit), or raise resources.limits.memory to at least "${mebibytes(neededLimit, "up")}"`,
            );
        }
    } else {
        const percent = check.integer("memory.maxmemoryPercent", args?.maxmemoryPercent, maxPercent, 10, 100);
        if (percent > maxPercent) {
            check.fail(
                "memory.maxmemoryPercent",
                percent,
                `leaves less than ${headroomPercent}% of the memory limit as headroom, ${why}`,
                `use a whole number from 10 to ${maxPercent}${persistent ? " (85 without persistence)" : ""}`,
            );
        }
        maxmemory = ((limit * BigInt(percent)) / 100n / BigInt(MiB)) * BigInt(MiB);
    }
    const shareOfHeadroom = BigInt(DEFAULTS.maxmemoryClientsShareOfHeadroomPercent);
    const clients = (((limit - maxmemory) * shareOfHeadroom) / 100n / BigInt(MiB)) * BigInt(MiB);
    return {
        limitBytes,
        maxmemoryBytes: Number(maxmemory),
        maxmemoryClientsBytes: Number(clients > BigInt(MIN_MAXMEMORY) ? clients : BigInt(MIN_MAXMEMORY)),
    };
}

/** Bytes as whole mebibytes ("716Mi"), rounded down (or up), or as bytes below 1Mi. */
function mebibytes(bytes: number | bigint, round: "down" | "up" = "down"): string {
    const b = BigInt(bytes);
    const mi = BigInt(MiB);
    if (b < mi) {
        return `${b}`;
    }
    if (b % mi === 0n) {
        return formatBytes(Number(b));
    }
    return `${round === "down" ? b / mi : (b + mi - 1n) / mi}Mi`;
}
