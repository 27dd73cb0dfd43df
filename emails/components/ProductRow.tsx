import * as React from 'react';
import { Column, Img, Row } from '@react-email/components';

const divided = { padding: '8px 0', borderBottom: '1px solid #eee' };

/** One product in a list: its picture (when there is one) beside whatever the email says of it. */
export function ProductRow(props: {
  title: string;
  imageUrl?: string;
  /** picture width and height in px */
  imageSize?: number;
  /** a rule under the row, for lists */
  divider?: boolean;
  /** a narrow right-hand column, e.g. the line total */
  aside?: React.ReactNode;
  children: React.ReactNode;
}) {
  const size = props.imageSize ?? 64;
  return (
    <Row style={props.divider === false ? undefined : divided}>
      {props.imageUrl ? (
        <Column style={{ width: `${size + 8}px` }}>
          <Img src={props.imageUrl} alt={props.title} width={String(size)} height={String(size)} />
        </Column>
      ) : null}
      <Column>{props.children}</Column>
      {props.aside ? <Column style={{ width: '110px' }}>{props.aside}</Column> : null}
    </Row>
  );
}
