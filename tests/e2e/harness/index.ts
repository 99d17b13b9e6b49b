export * from "./cluster";
export * from "./clients";
export * from "./faults";
export * from "./fixtures";
export * from "./kube";
export * from "./wait";
export * from "./sentinel";
export * from "./ha";
