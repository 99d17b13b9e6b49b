import { Redis } from "kubernetes-redis";

// Replication with Sentinel failover: three pods on three nodes, each a Redis server (one master,
// two replicas) and a Sentinel. A crashed or lost master is replaced by the replica with the most
// data; a master that is stopped on purpose (a rolling update, a drain) hands over first.
const redis = new Redis("cache", { mode: "sentinel" });

// Secret as a whole. Sentinel-aware clients use `connection.sentinels` and `connection.masterName`;
// the others write through `connection.primaryHost` and read from `connection.readHost`.
export const connection = redis.connection;
