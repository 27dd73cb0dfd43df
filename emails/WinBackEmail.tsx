import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { formatDate } from '../shared/format';
import type { CouponView } from './components/coupon';

export interface WinBackEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

export function WinBackEmail({ context, coupon }: WinBackEmailProps) {
  const until = formatDate(coupon.expiresAt, context.locale);
  return (
    <Layout context={context} preview={`We miss you — ${coupon.percentOff}% off until ${until}`}>
      <Heading style={heading}>We miss you</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        It has been a while since your last order, and a lot has happened at {context.shopName}. To welcome you back,
        here is {coupon.percentOff}% off your next order, valid until {until}:
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          See what's new
        </Button>
      </Section>
    </Layout>
  );
}

WinBackEmail.subject = (p: WinBackEmailProps) => `We miss you — here's ${p.coupon.percentOff}% off`;

WinBackEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'WINBACK-7KQ2-M9XD-4HPT', percentOff: 15, expiresAt: '2026-12-01T10:00:00.000Z' },
} satisfies WinBackEmailProps;

export default WinBackEmail;
