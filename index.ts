// The deployable stack program: one Redis, configured entirely by the stack's config
// (Pulumi.<stack>.yaml). See README.md for the keys.
import { deployStack } from "./stack";

const outputs = deployStack();

export const connection = outputs.connection;
export const host = outputs.host;
export const port = outputs.port;
export const namespace = outputs.namespace;
export const passwordSecretName = outputs.passwordSecretName;
