/**
 * Invalid JSON bodies generated from a request schema: for every field, values of the wrong
 * type, out of range or of the wrong size, and every required field left out. Each poison
 * changes one thing of a valid body, so a server that accepts it has a hole in one place.
 */

type Schema = Record<string, unknown>;
type Path = readonly (string | number)[];
export interface BodyPoison {
  label: string;
  /** The whole body, given the valid body it spoils. */
  body: (valid: Record<string, unknown>) => unknown;
}

// The schemas walked here are TypeBox's JSON Schema objects; these read their keywords.
const asSchema = (value: unknown): Schema => value as Schema;
const propertiesOf = (schema: Schema): Record<string, Schema> => (schema.properties ?? {}) as Record<string, Schema>; // JSON Schema: name -> schema
const requiredOf = (schema: Schema): string[] => (schema.required ?? []) as string[]; // JSON Schema: a list of property names
const patternValuesOf = (schema: Schema): Schema[] => Object.values((schema.patternProperties ?? {}) as Record<string, Schema>); // JSON Schema: pattern -> schema
const asRecord = (value: unknown): Record<string, unknown> => value as Record<string, unknown>; // bodies built here are objects where this is used
const label = (path: Path): string => (path.length === 0 ? 'the body' : path.join('.'));

/** A small value the schema accepts, to stand in for a parent object the poison needs. */
export function minimal(schema: Schema): unknown {
  if (Array.isArray(schema.anyOf)) return minimal(asSchema(schema.anyOf[0]));
  if ('const' in schema) return schema.const;
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = propertiesOf(schema);
      for (const key of requiredOf(schema)) out[key] = minimal(asSchema(properties[key]));
      return out;
    }
    case 'string':
      return 'x'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
    case 'integer':
    case 'number':
      return Number(schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return null;
  }
}

/** Rebuilds the body with `value` at `path`, filling missing parents with minimal values of their schemas. */
function placeAt(valid: Record<string, unknown>, parents: readonly Schema[], path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const container = parents[0];
  const current = head === undefined ? undefined : valid[String(head)];
  const child = rest.length === 0 ? value : placeAt(asRecord(current ?? minimal(asSchema(parents[1]))), parents.slice(1), rest, value);
  if (container?.type === 'array') return [child];
  return { ...valid, [String(head)]: child };
}

/** Whether a JSON value is of the type a schema names (bounds and patterns aside). */
function ofType(value: unknown, schema: Schema): boolean {
  switch (schema.type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return false;
  }
}

function wrongTypes(schema: Schema): unknown[] {
  switch (schema.type) {
    case 'object':
      return [[], 'x', 7];
    case 'array':
      return [{}, 'x'];
    case 'string':
      return [12345, ['x'], null];
    case 'integer':
      return ['5', 1.5, true];
    case 'number':
      return ['5', false];
    case 'boolean':
      return ['true', 1];
    default:
      return [];
  }
}

function outOfBounds(schema: Schema): { what: string; value: unknown }[] {
  const out: { what: string; value: unknown }[] = [];
  if (typeof schema.minimum === 'number') out.push({ what: 'below its minimum', value: schema.minimum - 1 });
  if (typeof schema.maximum === 'number') out.push({ what: 'above its maximum', value: schema.maximum + 1 });
  if (typeof schema.minLength === 'number' && schema.minLength > 0) out.push({ what: 'too short', value: '' });
  if (typeof schema.maxLength === 'number') out.push({ what: 'too long', value: 'x'.repeat(schema.maxLength + 1) });
  if (typeof schema.maxItems === 'number') out.push({ what: 'too many items', value: Array.from({ length: schema.maxItems + 1 }, () => minimal(asSchema(schema.items))) });
  if (typeof schema.maxProperties === 'number') {
    const valueSchema = patternValuesOf(schema)[0] ?? {};
    out.push({ what: 'too many entries', value: Object.fromEntries(Array.from({ length: schema.maxProperties + 1 }, (_, i) => [`K${i}`, minimal(valueSchema)])) });
  }
  return out;
}

/** The value a poison puts at `path`, to see whether another branch of a union would take it. */
function valueAt(poison: BodyPoison, path: Path): unknown {
  let value: unknown = poison.body({});
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string | number, unknown>)[key] : undefined; // walks objects and arrays the poison built
  return value;
}

export function bodyPoisons(rootSchema: unknown): BodyPoison[] {
  const poisons: BodyPoison[] = [];
  const walk = (schema: Schema, path: Path, parents: readonly Schema[]): void => {
    const put = (value: unknown) => (valid: Record<string, unknown>) => placeAt(valid, parents, path, value);
    if (Array.isArray(schema.anyOf)) {
      const branches = schema.anyOf.map(asSchema);
      if (branches.every((branch) => 'const' in branch)) poisons.push({ label: `${label(path)}: not one of the choices`, body: put('not-a-choice') });
      const nullable = branches.some((branch) => branch.type === 'null');
      for (const branch of branches.filter((b) => b.type !== 'null')) {
        // A value of the wrong type for one branch may be right for another (a uid: a number or a name).
        const others = branches.filter((other) => other !== branch);
        const before = poisons.length;
        walk(nullable ? { ...branch, nullable: true } : branch, path, parents);
        const primitive = branch.type !== 'object' && branch.type !== 'array';
        const added = poisons.splice(before).filter((poison) => !primitive || !others.some((other) => ofType(valueAt(poison, path), other)));
        poisons.push(...added);
      }
      return;
    }
    for (const value of wrongTypes(schema)) {
      if (value === null && schema.nullable === true) continue;
      poisons.push({ label: `${label(path)}: ${JSON.stringify(value)} is the wrong type`, body: put(value) });
    }
    for (const { what, value } of outOfBounds(schema)) poisons.push({ label: `${label(path)}: ${what}`, body: put(value) });
    if (schema.type === 'object') {
      for (const [key, property] of Object.entries(propertiesOf(schema))) walk(property, [...path, key], [...parents, schema]);
      for (const key of requiredOf(schema)) {
        const without = (parent: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(parent).filter(([name]) => name !== key));
        poisons.push({
          label: `${label([...path, key])}: missing`,
          body: (valid) => (path.length === 0 ? without(valid) : placeAt(valid, parents, path, without(asRecord(minimal(schema))))),
        });
      }
      for (const value of patternValuesOf(schema)) walk(value, [...path, 'FUZZ_KEY'], [...parents, schema]);
    }
    if (schema.type === 'array' && schema.items !== undefined) walk(asSchema(schema.items), [...path, 0], [...parents, schema]);
  };
  walk(asSchema(rootSchema), [], []);
  return poisons;
}
