// The rule for a lab's name, in one place: topology files, --name, state folders and backends' object names all use it.
import { UsageError } from './errors.js';

/** A lowercase letter, then up to 9 lowercase letters or digits (it prefixes namespaces, interfaces and containers). */
export const LAB_NAME = /^[a-z][a-z0-9]{0,9}$/;
export const LAB_NAME_RULE = 'a lowercase letter, then up to 9 lowercase letters or digits';

export function isLabName(name: string): boolean {
  return LAB_NAME.test(name);
}

/** Returns the name, or throws a UsageError naming the field (`--name` unless told). */
export function checkLabName(name: string, field = '--name'): string {
  if (!isLabName(name)) throw new UsageError(`${field}: "${name}" is not a lab name (${LAB_NAME_RULE})`);
  return name;
}
