/** The defaults of every optional argument that is not decided by another one. */
export const DEFAULTS = {
    namespace: "default",
    requests: { cpu: "250m", memory: "1Gi" },
    persistenceSize: "8Gi",
    rdbSavePoints: "3600 1 300 100 60 10000",
    maxmemoryPercentDurable: 70,
    maxmemoryPercentCache: 85,
    terminationGracePeriodSeconds: 60,
} as const;

/** Below this, Redis has no room to run. */
export const MIN_MEMORY_LIMIT = 32 * 2 ** 20;
