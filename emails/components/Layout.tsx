import * as React from 'react';
import { Body, Container, Head, Hr, Html, Link, Preview, Section, Text } from '@react-email/components';

/**
 * What every email gets from the send path rather than from the journey: who it is for, who
 * sends it, and (for marketing mail) the signed unsubscribe link. Templates take it as the
 * `context` prop so that the footer is built in exactly one place.
 */
export interface EmailContext {
  shopName: string;
  shopUrl: string;
  postalAddress: string;
  firstName?: string;
  locale?: string;
  /** present on marketing mail only; transactional mail carries no unsubscribe link */
  unsubscribeUrl?: string;
}

export const previewContext: EmailContext = {
  shopName: 'Journeys Shop',
  shopUrl: 'https://shop.example.com',
  postalAddress: 'Journeys Shop, 1 Example Street, 10115 Berlin, Germany',
  firstName: 'Ada',
  locale: 'en-GB',
  unsubscribeUrl: 'https://shop.example.com/u/preview-token',
};

const body = { backgroundColor: '#f6f6f4', fontFamily: 'Helvetica, Arial, sans-serif', margin: 0 };
const container = { backgroundColor: '#ffffff', margin: '24px auto', padding: '32px', maxWidth: '560px' };
const footerText = { color: '#8a8a86', fontSize: '12px', lineHeight: '18px' };

export function Layout(props: { context: EmailContext; preview: string; children: React.ReactNode }) {
  const { context } = props;
  return (
    <Html lang={context.locale?.slice(0, 2) ?? 'en'}>
      <Head />
      <Preview>{props.preview}</Preview>
      <Body style={body}>
        <Container style={container}>
          <Section>
            <Link href={context.shopUrl} style={{ color: '#111', fontSize: '20px', fontWeight: 700 }}>
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
          <Link href={context.unsubscribeUrl} style={{ color: '#8a8a86' }}>
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

export const paragraph = { color: '#222', fontSize: '15px', lineHeight: '24px' };
export const heading = { color: '#111', fontSize: '24px', lineHeight: '32px', fontWeight: 700 };
export const button = {
  backgroundColor: '#111',
  borderRadius: '6px',
  color: '#fff',
  display: 'inline-block',
  fontSize: '15px',
  padding: '12px 20px',
  textDecoration: 'none',
};
export const codeBox = {
  border: '2px dashed #111',
  fontSize: '22px',
  fontWeight: 700,
  letterSpacing: '2px',
  padding: '12px',
  textAlign: 'center' as const,
};
