import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * Workflow code runs in Temporal's deterministic sandbox and is replayed: it may import values
 * only from the workflow SDK, pure `@temporalio/common`, other workflow files and the pure
 * helpers of shared/ listed below. Everything else (activities, pg, emails, config) comes in as
 * types. This reads every workflow file's
 * imports with the TypeScript parser, so a stray value import fails here, not in production.
 */
const WORKFLOWS = join(__dirname, '../../workflows');
const SHARED = join(__dirname, '../../shared');
/** shared/ modules safe in the sandbox: pure, no Intl time-zone data (it changes between Node versions). */
const SANDBOX_SAFE_SHARED = ['durations', 'cart-reminders'];
const ALLOWED_VALUE_IMPORTS = [
  /^@temporalio\/workflow$/,
  /^@temporalio\/common$/,
  /^\.\/[\w-]+$/,
  new RegExp(`^\\.\\./shared/(${SANDBOX_SAFE_SHARED.join('|')})$`),
];
/** What a sandbox-safe shared module may itself import. */
const SHARED_ALLOWED_VALUE_IMPORTS = [/^@temporalio\/common$/, /^ms$/];
const FORBIDDEN_TEXT = [/\bprocess\.env\b/, /\brequire\(/, /\bsetTimeout\(/, /\bsetInterval\(/];

function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  for (const statement of source.statements) {
    if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier) {
      const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
      const clause = ts.isImportDeclaration(statement) ? statement.importClause : undefined;
      const typeOnly = ts.isImportDeclaration(statement) ? clause?.isTypeOnly === true : statement.isTypeOnly;
      const allNamedAreTypes =
        clause?.namedBindings &&
        ts.isNamedImports(clause.namedBindings) &&
        !clause.name &&
        clause.namedBindings.elements.every((e) => e.isTypeOnly);
      if (!typeOnly && !allNamedAreTypes) found.push(specifier);
    }
  }
  return found;
}

const files = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.ts'));
const sandboxFiles = [...files.map((f) => join(WORKFLOWS, f)), ...SANDBOX_SAFE_SHARED.map((name) => join(SHARED, `${name}.ts`))];

test('workflow files import values only from the workflow SDK, @temporalio/common and each other', () => {
  assert.ok(files.length >= 10);
  const offending = files.flatMap((f) =>
    valueImports(join(WORKFLOWS, f))
      .filter((spec) => !ALLOWED_VALUE_IMPORTS.some((ok) => ok.test(spec)))
      .map((spec) => `${f} imports ${spec}`),
  );
  assert.deepEqual(offending, []);
});

test('the shared helpers workflows use import nothing that could break determinism', () => {
  const offending = SANDBOX_SAFE_SHARED.flatMap((name) =>
    valueImports(join(SHARED, `${name}.ts`))
      .filter((spec) => !SHARED_ALLOWED_VALUE_IMPORTS.some((ok) => ok.test(spec)))
      .map((spec) => `shared/${name}.ts imports ${spec}`),
  );
  assert.deepEqual(offending, []);
});

test('workflow files use no environment, require or real timers', () => {
  const offending = sandboxFiles.flatMap((f) => {
    const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    return FORBIDDEN_TEXT.filter((re) => re.test(text)).map((re) => `${f}: ${re.source}`);
  });
  assert.deepEqual(offending, []);
});
