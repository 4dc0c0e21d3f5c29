import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Swagger names a schema by its class: two DTO classes of one name (a perps `OrderDto` and a markets one) become one
 * schema in docs/openapi.json, and one route silently documents the other's body. Every class that describes a
 * request or response (a `*Dto`, or any class with `@ApiProperty`) has a name of its own.
 */
function schemaClasses(dir: string): { name: string; file: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return schemaClasses(path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) return [];
    const code = readFileSync(path, 'utf8');
    const documented = code.includes('@ApiProperty');
    return [...code.matchAll(/^export class (\w+)/gm)]
      .map((match) => match[1])
      .filter((name) => name.endsWith('Dto') || documented)
      .map((name) => ({ name, file: relative(__dirname, path).split(sep).join('/') }));
  });
}

describe('OpenAPI schema names', () => {
  it('gives every DTO class a name no other DTO class has', () => {
    const byName = new Map<string, string[]>();
    for (const { name, file } of schemaClasses(__dirname)) byName.set(name, [...(byName.get(name) ?? []), file]);
    const shared = [...byName].filter(([, files]) => files.length > 1).map(([name, files]) => `${name}: ${files.join(', ')}`);
    expect(shared).toEqual([]);
  });
});
