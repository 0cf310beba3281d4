import { unsupported } from './errors.js';

/** True for a field value that asks for nothing: absent, null, '', false, 0, [] or {}. */
export function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false || value === 0) {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(isEmptyValue);
  return false;
}

/**
 * Refuses every key of `object` that is neither in `known` nor empty, naming it as
 * `<prefix>.<key>`. An empty value asks for nothing, so accepting it changes nothing: podman
 * and containerd send several such placeholders (`blockIO: {}`, `apparmorProfile: ""`).
 */
export function refuseUnknown(
  object: Record<string, unknown> | undefined,
  known: readonly string[],
  prefix: string,
): void {
  if (object === undefined) return;
  for (const [key, value] of Object.entries(object)) {
    if (known.includes(key) || isEmptyValue(value)) continue;
    throw unsupported(prefix === '' ? key : `${prefix}.${key}`);
  }
}
