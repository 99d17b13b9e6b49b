import { Redis } from "kubernetes-redis";

// A durable standalone Redis in the "default" namespace: generated password, 8Gi volume,
// AOF + RDB, maxmemory below the memory limit.
const redis = new Redis("cache", {});

// Secret as a whole: read it from another stack with StackReference (see ../consumer).
export const connection = redis.connection;
