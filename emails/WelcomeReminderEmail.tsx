import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { formatDate } from '../shared/format';
import type { CouponView } from './components/coupon';

export interface WelcomeReminderEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

export function WelcomeReminderEmail({ context, coupon }: WelcomeReminderEmailProps) {
  return (
    <Layout context={context} preview={`Your ${coupon.percentOff}% welcome code expires soon`}>
      <Heading style={heading}>Your welcome code expires soon</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        A quick reminder: your {coupon.percentOff}% welcome code is still waiting and expires on{' '}
        {formatDate(coupon.expiresAt, context.locale)}.
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          Use my code
        </Button>
      </Section>
    </Layout>
  );
}

WelcomeReminderEmail.subject = (p: WelcomeReminderEmailProps) =>
  `Reminder: your ${p.coupon.percentOff}% welcome code expires ${formatDate(p.coupon.expiresAt, p.context.locale)}`;

WelcomeReminderEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'WELCOME-7KQ2-M9XD-4HPT', percentOff: 10, expiresAt: '2026-12-01T10:00:00.000Z' },
} satisfies WelcomeReminderEmailProps;

export default WelcomeReminderEmail;
