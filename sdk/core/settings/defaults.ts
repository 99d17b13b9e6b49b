/**
 * Share of the container memory limit kept out of `maxmemory`, in percent: headroom for the
 * copy-on-write pages of the fork that writes RDB snapshots and rewrites the AOF, client buffers
 * and allocator fragmentation. Without persistence there is no fork, so less is needed.
 */
const MIN_HEADROOM_PERCENT_DURABLE = 30;
const MIN_HEADROOM_PERCENT_CACHE = 15;

/** The defaults of every optional argument that is not decided by another one. */
export const DEFAULTS = {
    namespace: "default",
    requests: { cpu: "250m", memory: "1Gi" },
    persistenceSize: "8Gi",
    rdbSavePoints: "3600 1 300 100 60 10000",
    minHeadroomPercentDurable: MIN_HEADROOM_PERCENT_DURABLE,
    minHeadroomPercentCache: MIN_HEADROOM_PERCENT_CACHE,
    /** The default `maxmemory` uses all that the headroom rule allows. */
    maxmemoryPercentDurable: 100 - MIN_HEADROOM_PERCENT_DURABLE,
    maxmemoryPercentCache: 100 - MIN_HEADROOM_PERCENT_CACHE,
    /**
     * `maxmemory-clients`, the bound on all client buffers together, as a share of the headroom
     * (limit - maxmemory), in percent: a quarter, so that output buffers that pile up (slow
     * readers, big replies, Pub/Sub) cannot take the headroom the fork and fragmentation need.
     */
    maxmemoryClientsShareOfHeadroomPercent: 25,
    terminationGracePeriodSeconds: 60,
} as const;

/** Below this, Redis has no room to run. */
export const MIN_MEMORY_LIMIT = 32 * 2 ** 20;

/** The smallest `maxmemory` and `maxmemory-clients` accepted: below, Redis cannot do useful work. */
export const MIN_MAXMEMORY = 2 ** 20;
