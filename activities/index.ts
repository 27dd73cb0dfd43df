import type { Pool } from 'pg';
import type { Mailer } from './email/mailer';
import type { Guardrail } from './guardrails';
import { sendMessage } from './send-message';
import type { SendMessageInput } from './types';

export interface ActivityDeps {
  db: Pool;
  mailer: Mailer;
  /** injectable so tests can pin "now" (quiet hours, caps, coupon expiry) */
  clock?: () => Date;
  guardrails?: Guardrail[];
  config: {
    publicUrl: string;
    shopUrl?: string;
    tokenSecret: string;
    mail: { from: string; shopName: string; postalAddress: string };
  };
}

/**
 * Every activity the worker registers, built from explicit dependencies (no module-level
 * singletons). Workflows import `type Activities` only and proxy what they call.
 */
export function createActivities(deps: ActivityDeps) {
  const now = deps.clock ?? (() => new Date());
  const sendDeps = {
    db: deps.db,
    mailer: deps.mailer,
    now,
    guardrails: deps.guardrails,
    mail: deps.config.mail,
    publicUrl: deps.config.publicUrl,
    shopUrl: deps.config.shopUrl ?? deps.config.publicUrl,
    tokenSecret: deps.config.tokenSecret,
  };
  return {
    sendMessage: (input: SendMessageInput) => sendMessage(sendDeps, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
