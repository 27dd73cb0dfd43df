import { format } from 'node:util';
import { DefaultLogger } from '@temporalio/worker';

/**
 * The Temporal SDK's warnings for tests, minus the one every sends worker prints at start (it
 * polls activities only, by design).
 */
export function testSdkLogger(): DefaultLogger {
  return new DefaultLogger('WARN', ({ level, message, meta }) => {
    if (message.startsWith('No workflows registered')) return;
    process.stderr.write(`[${level}] ${message}${meta === undefined ? '' : ` ${format(meta)}`}\n`);
  });
}
