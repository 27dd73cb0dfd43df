import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { formatDate } from '../shared/format';
import type { CouponView } from './components/coupon';

export interface VipInvitationEmailProps {
  context: EmailContext;
  coupon: CouponView;
  /** orders placed when the customer qualified */
  orderCount: number;
}

export function VipInvitationEmail({ context, coupon, orderCount }: VipInvitationEmailProps) {
  return (
    <Layout context={context} preview={`You're a ${context.shopName} VIP: ${coupon.percentOff}% off, just for you`}>
      <Heading style={heading}>Welcome to our VIP circle</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        {orderCount === 1 ? 'One order' : `${orderCount} orders`} in, you are one of our most valued customers — thank you. As a VIP, here is an exclusive{' '}
        {coupon.percentOff}% off your next order, valid until {formatDate(coupon.expiresAt, context.locale)}:
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Text style={paragraph}>This code is yours alone and won't be offered anywhere else.</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          Treat yourself
        </Button>
      </Section>
    </Layout>
  );
}

VipInvitationEmail.subject = (p: VipInvitationEmailProps) =>
  `You're a VIP now — ${p.coupon.percentOff}% off, just for you`;

VipInvitationEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'VIP-7KQ2-M9XD-4HPT', percentOff: 20, expiresAt: '2026-12-31T10:00:00.000Z' },
  orderCount: 5,
} satisfies VipInvitationEmailProps;

export default VipInvitationEmail;
