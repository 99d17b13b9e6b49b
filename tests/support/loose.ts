/**
 * A rendered or recorded object read by path in assertions (`object.spec.template.spec...`).
 * Its shape is checked by the schema and API-server rule tests, not by the compiler here; this
 * is the one place that says so.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;
