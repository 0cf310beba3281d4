import { unsupported } from './errors.js';
import { CONFIG_FIELDS, type FieldRule, type SpecObject } from './spec-fields.js';

/** True for a field value that asks for nothing: absent, null, '', false, 0, [] or {}. */
export function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false || value === 0) {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(isEmptyValue);
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(value: unknown, fields: SpecObject, path: string, unknown: string[]): void {
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const field = path === '' ? key : `${path}.${key}`;
    const rule: FieldRule | undefined = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (rule === undefined) unknown.push(field);
    else if (rule === 'refused') {
      // An empty value asks for nothing: podman and containerd send such placeholders
      // (`blockIO: {}`, `apparmorProfile: ""`), and accepting them changes nothing.
      if (!isEmptyValue(child)) throw unsupported(field);
    } else if (Array.isArray(rule)) {
      if (Array.isArray(child))
        child.forEach((e, i) => walk(e, rule[0], `${field}[${i}]`, unknown));
    } else if (rule !== 'mapped') walk(child, rule, field, unknown);
  }
}

/**
 * Checks config.json against the properties runtime-spec defines (spec-fields.ts): throws
 * ERR_IZA_OCI_UNSUPPORTED naming the first defined property iza does not implement and that
 * asks for something; returns the properties the spec does not define (`linux.foo`,
 * `mounts[2].bar`), which the runtime ignores (config.md "Extensibility").
 */
export function checkSpecFields(config: unknown): string[] {
  const unknown: string[] = [];
  walk(config, CONFIG_FIELDS, '', unknown);
  return unknown;
}

/**
 * Refuses every key of `object` that is neither in `known` nor empty, naming it as
 * `<prefix>.<key>`: for the inputs of `exec` (a process.json) and `update` (LinuxResources),
 * where a field iza would drop must not pass for applied, as runc's exec and update refuse
 * them too.
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
