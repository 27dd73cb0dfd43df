import * as React from 'react';
import { Body, Container, Head, Hr, Html, Link, Preview, Section, Text } from '@react-email/components';
import type { EmailContext } from './email-context';
import { card, footerLink, footerText, page, paragraph, shopNameLink } from './theme';

/** The frame of every email: shop name on top, the message, the footer with address and unsubscribe. */
export function Layout(props: { context: EmailContext; preview: string; children: React.ReactNode }) {
  const { context } = props;
  return (
    <Html lang={context.locale?.slice(0, 2) ?? 'en'}>
      <Head />
      <Preview>{props.preview}</Preview>
      <Body style={page}>
        <Container style={card}>
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
  return (
    <Section>
      <Hr />
      <Text style={footerText}>{context.postalAddress}</Text>
      {context.unsubscribeUrl ? (
        <Text style={footerText}>
          You receive this email because you agreed to hear from {context.shopName}.{' '}
          <Link href={context.unsubscribeUrl} style={footerLink}>
            Unsubscribe
          </Link>
        </Text>
      ) : null}
    </Section>
  );
}

export function Greeting({ context }: { context: EmailContext }) {
  return <Text style={paragraph}>{context.firstName ? `Hi ${context.firstName},` : 'Hi there,'}</Text>;
}
