import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Architecture rule: a module touches only its own tables and reaches another module through its services.
 * The ledger's tables are the strict case: outside `src/accounts` nothing names `accounts` or `ledger_*`
 * in SQL, nor uses the ledger's entities; every balance is read and written through LedgerService.
 */

const SRC = __dirname;
const LEDGER_MODULE = 'accounts';
const LEDGER_TABLES = ['accounts', 'ledger_entries', 'ledger_transactions'];
const LEDGER_ENTITY_FILES = ['account.entity', 'ledger-entry.entity', 'ledger-transaction.entity'];

interface SourceFile {
  path: string;
  module: string;
  /** The text with comments removed, so prose about "moving money from accounts" does not count. */
  code: string;
}

function sourceFiles(dir: string = SRC): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): SourceFile[] => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) return [];
    const rel = relative(SRC, path).split(sep).join('/');
    return [{ path: rel, module: rel.includes('/') ? rel.split('/')[0] : '', code: withoutComments(readFileSync(path, 'utf8')) }];
  });
}

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[\s;])\/\/.*$/gm, '$1');
}

/** Tables named after an SQL keyword: `FROM accounts`, `JOIN "accounts"`, `UPDATE public.accounts`, ... */
function sqlTables(code: string): string[] {
  const pattern = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|TRUNCATE)\s+(?:"?public"?\.)?"?([a-z_][a-z0-9_]*)"?/gi;
  return [...code.matchAll(pattern)].map((match) => match[1].toLowerCase());
}

/** Which module's entity declares each table (`@Entity('markets')` in src/markets → markets). */
function tableOwners(files: SourceFile[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const file of files) for (const match of file.code.matchAll(/@Entity\(\s*['"]([a-z_][a-z0-9_]*)['"]/g)) owners.set(match[1], file.module);
  return owners;
}

function ledgerEntityClasses(files: SourceFile[]): string[] {
  return files
    .filter((file) => file.module === LEDGER_MODULE && LEDGER_ENTITY_FILES.some((name) => file.path.endsWith(`/${name}.ts`)))
    .flatMap((file) => [...file.code.matchAll(/export class (\w+)/g)].map((match) => match[1]));
}

/** Every way a file outside the ledger's module could reach its tables directly. */
function ledgerReachIns(file: SourceFile, entityClasses: string[]): string[] {
  const found = sqlTables(file.code)
    .filter((table) => LEDGER_TABLES.includes(table))
    .map((table) => `SQL on ${table}`);
  // A quoted name handed to a query builder or repository call; a Swagger tag named 'accounts' is not a table.
  for (const table of LEDGER_TABLES) if (new RegExp(`\\(\\s*['"\`]${table}['"\`]`).test(file.code)) found.push(`table name '${table}'`);
  for (const name of entityClasses) if (new RegExp(`\\b${name}\\b`).test(file.code)) found.push(`entity ${name}`);
  for (const name of LEDGER_ENTITY_FILES) if (file.code.includes(`/${LEDGER_MODULE}/${name}'`)) found.push(`import of ${name}`);
  return found;
}

describe('table ownership', () => {
  const files = sourceFiles();
  const owners = tableOwners(files);

  it('finds the modules, their entities and the ledger entity classes', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const table of LEDGER_TABLES) expect(owners.get(table)).toBe(LEDGER_MODULE);
    expect(owners.get('users')).toBe('auth');
    // Venues fence their batch writes through the engine; only src/engine names its shard and command tables.
    for (const table of ['engine_shards', 'engine_commands']) expect(owners.get(table)).toBe('engine');
    expect(ledgerEntityClasses(files)).toEqual(expect.arrayContaining(['AccountEntity', 'LedgerEntryEntity', 'LedgerTransactionEntity']));
  });

  it('recognizes the reach-ins it forbids', () => {
    const sample = (code: string) => ledgerReachIns({ path: 'markets/sample.ts', module: 'markets', code: withoutComments(code) }, ['AccountEntity']);
    expect(sample('manager.query(`SELECT available FROM accounts WHERE user_id = $1 FOR UPDATE`)')).toEqual(['SQL on accounts']);
    expect(sample('`RETURNING id, (SELECT available FROM "accounts" WHERE system_key = $1)`')).toContain('SQL on accounts');
    expect(sample('`INSERT INTO ledger_entries (x) VALUES ($1)`')).toEqual(['SQL on ledger_entries']);
    expect(sample(`builder.innerJoin('ledger_transactions', 't')`)).toEqual([`table name 'ledger_transactions'`]);
    expect(sample('manager.getRepository(AccountEntity)')).toEqual(['entity AccountEntity']);
    expect(sample(`import type { Bucket } from '../accounts/ledger-entry.entity';`)).toEqual(['import of ledger-entry.entity']);
    expect(sample('// a comment about moving money FROM accounts')).toEqual([]);
    expect(sample('ledger.systemBalance(manager, poolOf(id))')).toEqual([]);
    expect(sample(`{ name: 'accounts', description: 'Balances' }`)).toEqual([]);
  });

  it('keeps the ledger tables inside src/accounts: venues go through LedgerService', () => {
    const entityClasses = ledgerEntityClasses(files);
    const reachIns = files
      .filter((file) => file.module !== LEDGER_MODULE)
      .flatMap((file) => ledgerReachIns(file, entityClasses).map((what) => `${file.path}: ${what}`));
    expect(reachIns).toEqual([]);
  });

  it('lets each module name only its own tables in SQL', () => {
    const foreign = files.flatMap((file) =>
      sqlTables(file.code)
        .filter((table) => owners.has(table) && owners.get(table) !== file.module)
        .map((table) => `${file.path}: ${table} belongs to ${owners.get(table)}`),
    );
    expect(foreign).toEqual([]);
  });
});
