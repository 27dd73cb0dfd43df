import * as React from 'react';
import { Heading, Text } from '@react-email/components';
import { Layout, Greeting, ReplyToPerson } from './components/Layout';
import { paragraph, heading } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';

export type OrderChangeKind = 'cancelled' | 'refunded' | 'returned';

export interface OrderChangeEmailProps {
  context: EmailContext;
  kind: OrderChangeKind;
  orderId: string;
  /** the products concerned, as the order listed them; empty: the whole order */
  items: { title: string; quantity: number }[];
  /** what a refund paid back */
  refund?: { amount: number; currency: string };
}

/** Transactional: a cancellation, refund or return notice (order.cancelled / refunded / returned). */
export function OrderChangeEmail(props: OrderChangeEmailProps) {
  const { context, kind, orderId, items, refund } = props;
  const { t } = context.i18n;
  const amount = refund ? context.i18n.money(refund.amount, refund.currency) : '';
  const body =
    kind === 'cancelled'
      ? t(items.length ? 'orderChange.cancelledItems' : 'orderChange.cancelled', { orderId })
      : kind === 'refunded'
        ? t('orderChange.refunded', { orderId, amount })
        : t('orderChange.returned', { orderId });
  return (
    <Layout context={context} preview={OrderChangeEmail.subject(props)}>
      <Heading style={heading}>{OrderChangeEmail.subject(props)}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{body}</Text>
      {items.length > 0 && (
        <Text style={paragraph}>
          {items.map((item, i) => (
            <React.Fragment key={i}>
              {t('orderChange.item', { quantity: item.quantity, title: item.title })}
              <br />
            </React.Fragment>
          ))}
        </Text>
      )}
      <ReplyToPerson context={context} />
    </Layout>
  );
}

OrderChangeEmail.subject = ({ context, kind, orderId, refund }: OrderChangeEmailProps) => {
  const { t } = context.i18n;
  if (kind === 'cancelled') return t('orderChange.subjectCancelled', { orderId });
  if (kind === 'refunded') return t('orderChange.subjectRefunded', { orderId, amount: refund ? context.i18n.money(refund.amount, refund.currency) : '' });
  return t('orderChange.subjectReturned', { orderId });
};

OrderChangeEmail.PreviewProps = {
  context: { ...previewContext, unsubscribeUrl: undefined },
  kind: 'refunded',
  orderId: 'SO-10482',
  items: [{ title: 'Tokoname kyusu teapot', quantity: 1 }],
  refund: { amount: 64, currency: 'EUR' },
} satisfies OrderChangeEmailProps;

export default OrderChangeEmail;
