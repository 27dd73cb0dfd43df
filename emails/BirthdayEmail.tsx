import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { formatDate } from '../shared/format';
import type { CouponView } from './components/coupon';

export interface BirthdayEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

export function BirthdayEmail({ context, coupon }: BirthdayEmailProps) {
  return (
    <Layout context={context} preview={`Happy birthday! ${coupon.percentOff}% off, from all of us at ${context.shopName}`}>
      <Heading style={heading}>Happy birthday{context.firstName ? `, ${context.firstName}` : ''}!</Heading>
      <Text style={paragraph}>
        Everyone at {context.shopName} wishes you a wonderful day. Treat yourself: here is {coupon.percentOff}% off
        your next order, valid until {formatDate(coupon.expiresAt, context.locale)}.
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          Pick your present
        </Button>
      </Section>
    </Layout>
  );
}

BirthdayEmail.subject = (p: BirthdayEmailProps) =>
  `Happy birthday${p.context.firstName ? `, ${p.context.firstName}` : ''}! ${p.coupon.percentOff}% off is waiting for you`;

BirthdayEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'BDAY-7KQ2-M9XD-4HPT', percentOff: 15, expiresAt: '2026-12-15T10:00:00.000Z' },
} satisfies BirthdayEmailProps;

export default BirthdayEmail;
