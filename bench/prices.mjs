// Cloudflare's published Workers Paid prices per million, past the monthly allowances (the
// README's capacity model uses the same): what a billable count costs. CPU time and object
// duration are left out, as in the model: workerd's local CPU includes the local D1 engine and
// says nothing of what Cloudflare would bill.
export const PRICE_PER_MILLION = {
  worker_requests: 0.3,
  do_requests: 0.15,
  do_rows_written: 1.0,
  d1_rows_written: 1.0,
  d1_rows_read: 0.001,
};

/** Dollars per million items from the meter's counts per item. */
export function dollarsPerMillion(perItem) {
  return Object.entries(PRICE_PER_MILLION).reduce((sum, [counter, price]) => sum + (perItem[counter] ?? 0) * price, 0);
}

/** The floor for a ping: one request, one object call, one durable row. */
export const FLOOR_PER_MILLION = dollarsPerMillion({ worker_requests: 1, do_requests: 1, do_rows_written: 1 });
