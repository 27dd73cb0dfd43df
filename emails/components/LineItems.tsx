import * as React from 'react';
import { Link, Section, Text } from '@react-email/components';
import { ProductRow } from './ProductRow';
import type { I18n } from '../i18n';
import { colors } from './theme';

/** One product line in an order or cart email. */
export interface LineItem {
  productId: string;
  title: string;
  /** unit price */
  price: number;
  quantity: number;
  /** the price's currency; a line without one shows no price */
  currency?: string;
  imageUrl?: string;
  url?: string;
}

const title = { color: colors.ink, fontSize: '15px', lineHeight: '22px', margin: 0 };
const detail = { color: '#555', fontSize: '13px', lineHeight: '20px', margin: 0 };
const amount = { color: colors.ink, fontSize: '15px', lineHeight: '22px', margin: 0 };

/** Product lines with quantity and line total, in the customer's language and locale (the total column mirrors in RTL). */
export function LineItems({ items, i18n }: { items: LineItem[]; i18n: I18n }) {
  return (
    <Section>
      {items.map((item) => (
        <ProductRow
          key={item.productId}
          title={item.title}
          imageUrl={item.imageUrl}
          aside={
            item.currency ? (
              <Text style={{ ...amount, textAlign: i18n.end }}>{i18n.money(item.price * item.quantity, item.currency)}</Text>
            ) : null
          }
        >
          <Text style={title}>
            {item.url ? (
              <Link href={item.url} style={{ color: colors.ink }}>
                {item.title}
              </Link>
            ) : (
              item.title
            )}
          </Text>
          <Text style={detail}>
            {item.currency && item.quantity > 1
              ? i18n.t('items.quantityTimesPrice', { quantity: item.quantity, unitPrice: i18n.money(item.price, item.currency) })
              : i18n.t('items.quantity', { quantity: item.quantity })}
          </Text>
        </ProductRow>
      ))}
    </Section>
  );
}

/** "Sencha green tea" or "Sencha green tea and 2 more" — for subjects and previews. */
export function describeItems(items: { title: string }[], i18n: I18n): string {
  if (items.length === 0) return i18n.t('items.yourItems');
  return items.length === 1 ? items[0].title : i18n.t('items.firstAndMore', { first: items[0].title, count: items.length - 1 });
}
