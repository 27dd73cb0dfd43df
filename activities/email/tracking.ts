import { signLink, type LinkHolder } from '../../links/signed-links';
import type { RenderedEmail } from './render';

/**
 * Open and click tracking, added after rendering: every http(s) link of the message goes
 * through /t/c/<token> (the token names the message and the link's index, so the redirect can
 * only lead to a URL the message really contained), and a 1×1 pixel /t/o/<token> marks the
 * open. Our own links (unsubscribe, snooze) are left alone: they are already signed, and a
 * redirect in front of a one-click unsubscribe would only add a hop.
 */
export function addTracking(
  rendered: RenderedEmail,
  options: { publicUrl: string; secret: string; holder: LinkHolder; messageId: number },
): RenderedEmail {
  const { publicUrl, secret, holder, messageId } = options;
  const own = (url: string) => url.startsWith(`${publicUrl}/`);
  const links = rendered.links.filter((url) => !own(url));
  const clickUrl = (index: number) => `${publicUrl}/t/c/${signLink(secret, 'click', holder, { m: messageId, x: String(index) })}`;
  const html = rendered.html.replace(/href="(https?:\/\/[^"]+)"/g, (whole, raw: string) => {
    const url = raw.replace(/&amp;/g, '&');
    const index = links.indexOf(url);
    return index === -1 ? whole : `href="${clickUrl(index)}"`;
  });
  const pixel = `<img src="${publicUrl}/t/o/${signLink(secret, 'open', holder, { m: messageId })}" width="1" height="1" alt="" style="display:block;height:1px;width:1px;border:0" />`;
  const withPixel = html.includes('</body>') ? html.replace('</body>', `${pixel}</body>`) : html + pixel;
  return { ...rendered, html: withPixel, links };
}
