/**
 * `npm run email:preview [-- --port 3100]`: every template rendered with its PreviewProps, as
 * the send path renders it (same renderer, same subject line), offline.
 *   /                 all templates side by side, each with its subject
 *   /<template>       the HTML part, exactly what a mail client receives
 *   /<template>.txt   the plain-text part
 *   ?locale=ar        any of them in another language (en, de, fr, es, ru, th, ar; with the
 *                     shop's overrides from EMAIL_MESSAGES_FILE / content/email-messages.json)
 * React Email's own preview server (`email dev`) needs its Next.js app installed on first run;
 * this page needs nothing beyond the project's packages.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderTemplate, isTemplateName } from '../activities/email/render';
import { templates, type TemplateName } from '../emails';
import { escapeHtml } from '../api/html';
import { createI18n, shippedLanguages } from '../emails/i18n';
import { defaultMessageOverridesPath, loadMessageOverrides } from '../activities/email/message-overrides';

export interface EmailPreview {
  url: string;
  close(): Promise<void>;
}

const names = Object.keys(templates) as TemplateName[];

async function rendered(name: TemplateName, locale: string | null) {
  const preview = templates[name].PreviewProps;
  if (!locale) return renderTemplate(name, preview as never);
  const i18n = createI18n({
    customerLocale: locale,
    overrides: loadMessageOverrides(process.env.EMAIL_MESSAGES_FILE || defaultMessageOverridesPath),
  });
  return renderTemplate(name, { ...preview, context: { ...preview.context, i18n, locale: i18n.locale } } as never);
}

async function indexPage(locale: string | null): Promise<string> {
  const query = locale ? `?locale=${encodeURIComponent(locale)}` : '';
  const cards = await Promise.all(
    names.map(async (name) => {
      const { subject } = await rendered(name, locale);
      return `<section><h2><a href="/${name}${query}">${escapeHtml(name)}</a> <a class="txt" href="/${name}.txt${query}">text</a></h2>
<p class="subject" dir="auto">${escapeHtml(subject)}</p><iframe src="/${name}${query}" title="${escapeHtml(name)}" loading="lazy"></iframe></section>`;
    }),
  );
  const languages = shippedLanguages.map((l) => `<a href="/?locale=${l}">${l}</a>`).join(' · ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Email templates</title><style>
body{font-family:system-ui,sans-serif;margin:24px;background:#eceae6;color:#111}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(620px,1fr));gap:24px}
section{background:#fff;padding:12px;border-radius:8px}h2{font-size:16px;margin:0 0 4px}
.txt{font-size:12px;font-weight:400;margin-left:8px}.subject{margin:0 0 8px;color:#555;font-size:14px}
iframe{width:100%;height:720px;border:1px solid #ddd;border-radius:4px;background:#fff}
</style></head><body><h1>${names.length} email templates, with their PreviewProps</h1><p>${languages}</p><main>${cards.join('\n')}</main></body></html>`;
}

export async function startEmailPreview(options: { port?: number; host?: string } = {}): Promise<EmailPreview> {
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://preview');
      const path = decodeURIComponent(url.pathname.slice(1));
      const locale = url.searchParams.get('locale');
      const [name, format] = path.endsWith('.txt') ? [path.slice(0, -4), 'text'] : [path, 'html'];
      if (path === '') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(await indexPage(locale));
      } else if (isTemplateName(name)) {
        const email = await rendered(name, locale);
        res
          .writeHead(200, { 'content-type': `text/${format === 'text' ? 'plain' : 'html'}; charset=utf-8` })
          .end(format === 'text' ? email.text : email.html);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`no template ${name}; templates: ${names.join(', ')}`);
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.stack : String(err));
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--port');
  const port = flag > 0 ? Number(process.argv[flag + 1]) : 3100;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port needs a port number, got ${process.argv[flag + 1]}`);
  const preview = await startEmailPreview({ port });
  console.log(`email previews: ${preview.url}  (${names.length} templates; Ctrl-C stops)`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
