/**
 * A coupon as a template shows it. Templates that show one take `coupon: CouponView`; the send
 * path issues the code (only when the message really goes out) and fills the prop in.
 */
export interface CouponView {
  code: string;
  percentOff: number;
  expiresAt: string;
}
