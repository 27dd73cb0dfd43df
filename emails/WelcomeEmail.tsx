import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { formatDate } from '../shared/format';
import type { CouponView } from './components/coupon';

export interface WelcomeEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

export function WelcomeEmail({ context, coupon }: WelcomeEmailProps) {
  return (
    <Layout context={context} preview={`Welcome to ${context.shopName}: ${coupon.percentOff}% off your first order`}>
      <Heading style={heading}>Welcome to {context.shopName}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        Thanks for joining us. Here is {coupon.percentOff}% off your first order, valid until{' '}
        {formatDate(coupon.expiresAt, context.locale)}:
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          Start shopping
        </Button>
      </Section>
    </Layout>
  );
}

WelcomeEmail.subject = (p: WelcomeEmailProps) => `Welcome to ${p.context.shopName} — ${p.coupon.percentOff}% off inside`;

WelcomeEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'WELCOME-7KQ2-M9XD-4HPT', percentOff: 10, expiresAt: '2026-12-01T10:00:00.000Z' },
} satisfies WelcomeEmailProps;

export default WelcomeEmail;
