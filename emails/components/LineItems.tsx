import * as React from 'react';
import { Link, Section, Text } from '@react-email/components';
import { ProductRow } from './ProductRow';
import { formatMoney } from '../../shared/format';
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
const amount = { color: colors.ink, fontSize: '15px', lineHeight: '22px', margin: 0, textAlign: 'right' as const };

/** Product lines with quantity and line total, formatted for the customer's locale. */
export function LineItems({ items, locale }: { items: LineItem[]; locale?: string }) {
  return (
    <Section>
      {items.map((item) => (
        <ProductRow
          key={item.productId}
          title={item.title}
          imageUrl={item.imageUrl}
          aside={
            item.currency ? <Text style={amount}>{formatMoney(item.price * item.quantity, item.currency, locale)}</Text> : null
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
            Qty {item.quantity}
            {item.currency && item.quantity > 1 ? ` × ${formatMoney(item.price, item.currency, locale)}` : ''}
          </Text>
        </ProductRow>
      ))}
    </Section>
  );
}
