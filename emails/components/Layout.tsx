import * as React from 'react';
import { Body, Container, Head, Hr, Html, Link, Preview, Section, Text } from '@react-email/components';
import type { EmailContext } from './email-context';
import { card, footerLink, footerText, page, paragraph, shopNameLink } from './theme';

/**
 * The frame of every email: shop name on top, the message, the footer with address and
 * unsubscribe. Right-to-left languages get `dir="rtl"` on the document and again on the card
 * (some webmail clients drop the <html> and <body> attributes), so tables, text and columns
 * mirror as the reader expects.
 */
export function Layout(props: { context: EmailContext; preview: string; children: React.ReactNode }) {
  const { context } = props;
  const { i18n } = context;
  return (
    <Html lang={i18n.locale} dir={i18n.dir}>
      <Head />
      <Preview>{props.preview}</Preview>
      <Body style={{ ...page, direction: i18n.dir }} dir={i18n.dir}>
        <Container style={{ ...card, direction: i18n.dir, textAlign: i18n.start }} dir={i18n.dir}>
          <Section>
            <Link href={context.shopUrl} style={shopNameLink}>
              {context.shopName}
            </Link>
          </Section>
          {props.children}
          <Footer context={context} />
        </Container>
      </Body>
    </Html>
  );
}

export function Footer({ context }: { context: EmailContext }) {
  const { t } = context.i18n;
  return (
    <Section>
      <Hr />
      <Text style={footerText}>{context.postalAddress}</Text>
      {context.unsubscribeUrl ? (
        <Text style={footerText}>
          {t('layout.footerConsent', { shopName: context.shopName })}{' '}
          <Link href={context.unsubscribeUrl} style={footerLink}>
            {t('layout.unsubscribe')}
          </Link>
        </Text>
      ) : null}
    </Section>
  );
}

export function Greeting({ context }: { context: EmailContext }) {
  const { t } = context.i18n;
  return (
    <Text style={paragraph}>
      {context.firstName ? t('layout.greeting', { firstName: context.firstName }) : t('layout.greetingAnonymous')}
    </Text>
  );
}

/** "Questions? Just reply…", only when MAIL_REPLY_TO sends replies to a person. */
export function ReplyToPerson({ context }: { context: EmailContext }) {
  if (!context.repliesReachAPerson) return null;
  return <Text style={paragraph}>{context.i18n.t('layout.replyToPerson', { shopName: context.shopName })}</Text>;
}
