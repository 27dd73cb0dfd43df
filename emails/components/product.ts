/** A product as an email shows it: a card with a picture, a price and a link. */
export interface ProductCard {
  productId: string;
  title: string;
  price: number;
  /** the catalogue's currency (ISO 4217) */
  currency: string;
  url: string;
  imageUrl?: string;
}
