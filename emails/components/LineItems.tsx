import * as React from 'react';
import { Column, Img, Link, Row, Section, Text } from '@react-email/components';
import { formatMoney } from './format';

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

const title = { color: '#111', fontSize: '15px', lineHeight: '22px', margin: 0 };
const detail = { color: '#555', fontSize: '13px', lineHeight: '20px', margin: 0 };
const amount = { color: '#111', fontSize: '15px', lineHeight: '22px', margin: 0, textAlign: 'right' as const };

/** Product lines with quantity and line total, formatted for the customer's locale. */
export function LineItems({ items, locale }: { items: LineItem[]; locale?: string }) {
  return (
    <Section>
      {items.map((item) => (
        <Row key={item.productId} style={{ padding: '8px 0', borderBottom: '1px solid #eee' }}>
          {item.imageUrl ? (
            <Column style={{ width: '72px' }}>
              <Img src={item.imageUrl} alt={item.title} width="64" height="64" />
            </Column>
          ) : null}
          <Column>
            <Text style={title}>
              {item.url ? (
                <Link href={item.url} style={{ color: '#111' }}>
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
          </Column>
          {item.currency ? (
            <Column style={{ width: '110px' }}>
              <Text style={amount}>{formatMoney(item.price * item.quantity, item.currency, locale)}</Text>
            </Column>
          ) : null}
        </Row>
      ))}
    </Section>
  );
}
