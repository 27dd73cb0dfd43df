import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { journeySearchAttributes } from '../../workflows/messages';

/** The production-shaped stack in docker-compose.yml. */
const ROOT = join(__dirname, '../..');
const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** The lines of one service's block. */
function service(name: string): string {
  const match = new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)+)`, 'm').exec(compose);
  assert.ok(match, `service ${name}`);
  return match[1];
}

test('Temporal runs on temporalio/server with its schema set up by temporalio/admin-tools, not the deprecated auto-setup', () => {
  assert.doesNotMatch(compose, /auto-setup/);
  assert.match(service('temporal'), /image: temporalio\/server:/);
  assert.match(service('temporal-schema'), /image: temporalio\/admin-tools:/);
  assert.match(service('temporal-schema'), /update-schema/);
  assert.match(service('temporal'), /temporal-schema:\n\s+condition: service_completed_successfully/);
  for (const name of ['postgres', 'temporal', 'api']) assert.match(service(name), /healthcheck:/, `${name} has a health check`);
});

test('the search attributes are registered from the one list in workflows/messages.ts', () => {
  assert.match(service('search-attributes'), /command: \["node", "dist\/runtime\/search-attributes\.js"\]/);
  for (const { name } of journeySearchAttributes) assert.doesNotMatch(compose, new RegExp(`\\b${name}\\b`), `compose names ${name}`);
  for (const name of ['api', 'worker']) assert.match(service(name), /search-attributes:\n\s+condition: service_completed_successfully/);
});

test('the app runs compiled JavaScript with plain node, as a non-root user, without dev packages', () => {
  for (const name of ['migrate', 'api', 'worker']) assert.match(service(name), /command: \["node", "dist\//, name);
  assert.doesNotMatch(compose, /tsx/);
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  assert.match(finalStage, /USER node/);
  assert.match(finalStage, /CMD \["node", "dist\/api\/server\.js"\]/);
  assert.match(finalStage, /COPY --from=packages \/app\/node_modules/);
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /RUN npm run build/);
});

/** `docker compose` (the plugin), else Debian's `docker-compose`, which scripts/setup.sh installs where docker is. */
function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  return undefined;
}
const composeCli = composeCommand();
const noCompose = composeCli ? false : 'neither `docker compose` nor `docker-compose` is installed here (setup installs it where docker is)';

test('docker compose config accepts the file', { skip: noCompose }, () => {
  const env = {
    ...process.env,
    POSTGRES_PASSWORD: 'compose-test',
    API_KEY: 'compose-test-api-key-0123',
    TOKEN_SECRET: 'compose-test-token-secret-0123',
    MAIL_FROM: 'Shop <shop@example.com>',
    PUBLIC_URL: 'https://shop.example.com',
    POSTAL_ADDRESS: '1 Example Street',
    // Production refuses the local outbox: the stack needs a real mail transport.
    RESEND_API_KEY: 're_compose_test',
  };
  const [cmd, ...args] = composeCli!;
  const result = spawnSync(cmd, [...args, '-f', join(ROOT, 'docker-compose.yml'), 'config', '--quiet'], { env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});
