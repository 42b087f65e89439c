/** A JSON Schema node as `z.toJSONSchema` writes it (the parts the walker reads). */
export interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean | JsonSchemaNode;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  [key: string]: unknown;
}

/**
 * One field of a schema, by a path people can read and a table can key on:
 * `framing(delimiter).maxLength` (a variant chosen by `kind`), `commands[].params{}.min` (list items, map values).
 */
export interface SchemaField {
  path: string;
  node: JsonSchemaNode;
  /** The parent object lists it as required. */
  required: boolean;
}

/** The variants of a union chosen by a `kind` constant, or undefined when the union is of other shapes. */
export function kindVariants(node: JsonSchemaNode): Array<[string, JsonSchemaNode]> | undefined {
  const members = node.oneOf ?? node.anyOf;
  if (!members?.length) return undefined;
  const variants = members.map((member): [string, JsonSchemaNode] | undefined => {
    const kind = member.properties?.kind?.const;
    return typeof kind === 'string' ? [kind, member] : undefined;
  });
  return variants.every((variant) => variant !== undefined) ? (variants as Array<[string, JsonSchemaNode]>) : undefined;
}

/**
 * Every field below `node`, depth first, in schema order. `stop(path)` ends the walk at a field (a nested
 * codec documented elsewhere). The members of a union of other shapes are walked under the same path.
 */
export function schemaFields(node: JsonSchemaNode, stop: (path: string) => boolean = () => false): SchemaField[] {
  const fields: SchemaField[] = [];
  const visit = (current: JsonSchemaNode, path: string): void => {
    if (path && stop(path)) return;
    const variants = kindVariants(current);
    if (variants) {
      for (const [kind, member] of variants) visit(member, `${path}(${kind})`);
      return;
    }
    for (const member of current.oneOf ?? current.anyOf ?? []) visit(member, path);
    for (const [name, child] of Object.entries(current.properties ?? {})) {
      const childPath = path ? `${path}.${name}` : name;
      fields.push({ path: childPath, node: child, required: current.required?.includes(name) ?? false });
      visit(child, childPath);
    }
    if (current.items) visit(current.items, `${path}[]`);
    if (typeof current.additionalProperties === 'object') visit(current.additionalProperties, `${path}{}`);
  };
  visit(node, '');
  return fields;
}

/**
 * The description a field gets from a table keyed by path: the exact path, else the path with every variant
 * written `(*)` (`framing(*).maxLength` serves every framing).
 */
export function describedBy(table: Readonly<Record<string, string>>, path: string): string | undefined {
  const wildcard = path.replace(/\([^)]*\)/g, '(*)');
  const nested = path.lastIndexOf('.codec(');
  return (
    table[path] ??
    table[wildcard] ??
    (nested > 0 ? (table[path.slice(nested + 1)] ?? table[wildcard.slice(wildcard.lastIndexOf('.codec(') + 1)]) : undefined)
  );
}

/**
 * Copies descriptions from a table into a JSON Schema (editors show them on hover), leaving descriptions the
 * schema already has. Returns the paths of fields that have none either way.
 */
export function applyDescriptions(schema: JsonSchemaNode, table: Readonly<Record<string, string>>): string[] {
  const missing: string[] = [];
  for (const field of schemaFields(schema)) {
    if (field.node.description || field.path.endsWith('.kind')) continue;
    const description = describedBy(table, field.path);
    if (description) field.node.description = description;
    else missing.push(field.path);
  }
  return missing;
}
