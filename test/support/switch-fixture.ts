import { switchSchema, type Switch, type SwitchVendor } from '../../inventory/topology-schema';

/** A topology switch of `vendor` on loopback, validated like a topology entry. */
export function switchOf(
  vendor: SwitchVendor,
  extra: Partial<Record<'bridge' | 'sessionLimit' | 'port', unknown>> = {},
): Switch {
  return switchSchema.parse({
    id: `sw-${vendor}`,
    vendor,
    address: '127.0.0.1',
    credential: 'lab-switch',
    hostKeyFingerprint: 'SHA256:Hqo6iFK/Ohi1BUKQLyRqVYRcy0jxpOyWEwedfq6fM6I',
    ...extra,
  });
}
