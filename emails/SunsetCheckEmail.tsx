import * as React from 'react';
import type { Duration } from '@temporalio/common';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, footerText } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';

export interface SunsetCheckEmailProps {
  context: EmailContext;
  /** how long the customer has to answer before they are marked unengaged ('14 days') */
  graceAfter: Duration;
}

/**
 * The sunset's one question: "do you still want to hear from us?", asked once per lapse. The
 * button is the signed "yes, keep me" link (`context.keepSubscribedUrl`, page `/k/<token>`,
 * where a POST confirms it: mail scanners follow links but post no forms); pressing it counts
 * as engagement. The footer carries the unsubscribe link like every marketing email.
 */
export function SunsetCheckEmail({ context, graceAfter }: SunsetCheckEmailProps) {
  const { t, duration } = context.i18n;
  return (
    <Layout context={context} preview={t('sunsetCheck.preview', { shopName: context.shopName })}>
      <Heading style={heading}>{t('sunsetCheck.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('sunsetCheck.body', { shopName: context.shopName })}</Text>
      <Text style={paragraph}>{t('sunsetCheck.ask')}</Text>
      <Section>
        <Button href={context.keepSubscribedUrl ?? context.shopUrl} style={button}>
          {t('sunsetCheck.button')}
        </Button>
      </Section>
      <Text style={paragraph}>{t('sunsetCheck.explain', { grace: duration(graceAfter) })}</Text>
      <Text style={footerText}>{t('sunsetCheck.leave')}</Text>
    </Layout>
  );
}

SunsetCheckEmail.subject = (p: SunsetCheckEmailProps) => p.context.i18n.t('sunsetCheck.subject');

SunsetCheckEmail.PreviewProps = {
  context: { ...previewContext, keepSubscribedUrl: 'https://shop.example.com/k/preview-token' },
  graceAfter: '14 days',
} satisfies SunsetCheckEmailProps;

export default SunsetCheckEmail;
