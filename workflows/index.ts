/** The workflow bundle's entry: every journey the worker runs. */
export { welcome } from './welcome';
export { order } from './order';
export { abandonedCart } from './abandoned-cart';
export { backInStock, backInStockRestock } from './back-in-stock';
export { postPurchase } from './post-purchase';
export { winBack } from './win-back';
export { vip } from './vip';
export { birthday } from './birthday';
export { leadNurture } from './lead-nurture';
export { replenishment } from './replenishment';
export { orderNotice } from './order-notice';
export { browseAbandonment } from './browse-abandonment';
export { sunset } from './sunset';
export { sunsetSweep } from './sunset-sweep';
