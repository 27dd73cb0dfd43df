import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { overrideProblems, type MessageOverrides } from '../../emails/i18n';

/**
 * A shop's own wording, per language, over the shipped catalogs (emails/locales/*.json):
 * `{ "de": { "welcome.intro": "Wir rösten seit 1998 …" } }`. Default content/email-messages.json
 * (or EMAIL_MESSAGES_FILE). Checked when the worker starts (a bad file stops it with every
 * problem listed) and re-read whenever the file changes, so an edit applies without a restart;
 * an edit that breaks the file makes sends retry with the problem in the error until it is fixed,
 * rather than mail the shipped copy the shop meant to replace.
 */
export const defaultMessageOverridesPath = resolve(__dirname, '../../content/email-messages.json');

const OverridesFileSchema = z.record(z.string(), z.record(z.string(), z.string().min(1).max(5000)));

export function loadMessageOverrides(path: string): MessageOverrides {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`email messages ${path}: ${(err as Error).message}`);
  }
  const parsed = OverridesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new Error(`email messages ${path} is invalid (expected { "<language>": { "<message key>": "<text>" } }):\n${lines.join('\n')}`);
  }
  const problems = overrideProblems(parsed.data);
  if (problems.length) throw new Error(`email messages ${path} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return parsed.data as MessageOverrides;
}

/** The overrides as the file says now: read again only when its modification time or size changed. */
export function watchMessageOverrides(path: string = defaultMessageOverridesPath): () => MessageOverrides {
  let seen: { stamp: string; overrides: MessageOverrides } | undefined;
  return () => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new Error(`email messages ${path}: no such file`);
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    if (seen?.stamp !== stamp) seen = { stamp, overrides: loadMessageOverrides(path) };
    return seen.overrides;
  };
}
