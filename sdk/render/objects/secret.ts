import { RedisSettings } from "../../core/settings";
import { metadataFor } from "./labels";

/** The Secret with the password: generic in the password so the Pulumi shell can pass an Output. */
export function passwordSecretFor<T>(settings: RedisSettings, password: T) {
    return {
        apiVersion: "v1" as const,
        kind: "Secret" as const,
        metadata: metadataFor(settings, settings.auth.secretName),
        type: "Opaque",
        stringData: { [settings.auth.secretKey]: password },
    };
}
