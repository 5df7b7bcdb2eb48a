/**
 * Orders are idempotent by clientOrderId (docs/PROTOCOL.md): the engine remembers every open
 * order and every order accepted within a window (a day by default), and answers a copy of one
 * with that order and its fills.
 *
 * - `orders_by_created`: at start, recovery reloads the orders of the window (`created_ms >= now
 *   - window`, beside the open ones) without reading every order ever made.
 * - `fills_by_order`: a copy of an order the engine's in-memory history no longer holds is
 *   answered with its fills, read by order_id (src/persistence/order-archive.ts); without the
 *   index that read scans every fill, on the event loop on the embedded database.
 */
export const sql = `
CREATE INDEX orders_by_created ON orders (created_ms);
CREATE INDEX fills_by_order ON fills (order_id);
`;
