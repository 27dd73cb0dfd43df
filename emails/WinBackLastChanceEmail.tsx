import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
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
  const { t, date } = context.i18n;
  const offer = { percentOff: coupon.percentOff, expiresOn: date(coupon.expiresAt) };
  return (
    <Layout context={context} preview={t('winBackLastChance.preview', offer)}>
      <Heading style={heading}>{t('winBackLastChance.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('winBackLastChance.body', offer)}</Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Text style={paragraph}>{t('winBackLastChance.explain')}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          {t('winBackLastChance.button')}
        </Button>
      </Section>
    </Layout>
  );
}

WinBackLastChanceEmail.subject = (p: WinBackLastChanceEmailProps) =>
  p.context.i18n.t('winBackLastChance.subject', { percentOff: p.coupon.percentOff });

WinBackLastChanceEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'WINBACK-Q4RT-8ZPA-C2MN', percentOff: 15, expiresAt: '2026-12-15T10:00:00.000Z' },
} satisfies WinBackLastChanceEmailProps;

export default WinBackLastChanceEmail;
