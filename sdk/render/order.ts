/**
 * The order in which objects can be applied: what others depend on first. The component
 * registers in this order, `npm run render` prints in it, and the test harnesses apply in it.
 */
export const APPLY_ORDER = [
    "Namespace",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "Service",
    "PodDisruptionBudget",
    "StatefulSet",
] as const;

/** The kinds this package renders. */
export type RenderedKind = (typeof APPLY_ORDER)[number];

/** Sorts items by the kind of their object in apply order; items of one kind keep their order. */
export function inApplyOrder<T>(items: T[], kindOf: (item: T) => string): T[] {
    const rank = (kind: string) => {
        const index = (APPLY_ORDER as readonly string[]).indexOf(kind);
        return index === -1 ? APPLY_ORDER.length : index;
    };
    return [...items].sort((a, b) => rank(kindOf(a)) - rank(kindOf(b)));
}
