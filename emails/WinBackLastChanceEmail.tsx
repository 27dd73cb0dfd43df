import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { formatDate } from '../shared/format';
import type { CouponView } from './components/coupon';

export interface WinBackLastChanceEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

/**
 * The second win-back attempt says plainly that it is the last: a customer who does not
 * react is then marked unengaged and gets no more marketing (list hygiene), which is better
 * said than done silently.
 */
export function WinBackLastChanceEmail({ context, coupon }: WinBackLastChanceEmailProps) {
  const until = formatDate(coupon.expiresAt, context.locale);
  return (
    <Layout context={context} preview={`Last chance: ${coupon.percentOff}% off until ${until}`}>
      <Heading style={heading}>Should we stay in touch?</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        We haven't heard from you in a while. Here is one more {coupon.percentOff}% code, valid until {until}:
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Text style={paragraph}>
        If we don't hear from you, we'll stop sending you offers so your inbox stays quiet. Your account and order
        emails are not affected, and your next order brings you right back.
      </Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          Keep me in the loop
        </Button>
      </Section>
    </Layout>
  );
}

WinBackLastChanceEmail.subject = (p: WinBackLastChanceEmailProps) =>
  `Last chance: ${p.coupon.percentOff}% off before we say goodbye`;

WinBackLastChanceEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'WINBACK-Q4RT-8ZPA-C2MN', percentOff: 15, expiresAt: '2026-12-15T10:00:00.000Z' },
} satisfies WinBackLastChanceEmailProps;

export default WinBackLastChanceEmail;
