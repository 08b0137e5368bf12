/** An amount of money for people: $0.0427, $3.42, 0.50 EUR. Amounts under a dime keep four decimals so they do not all read $0.00. */
export function formatMoney(amount: number, currency: string): string {
  const digits = Math.abs(amount) >= 0.1 || amount === 0 ? 2 : 4;
  const figure = amount.toFixed(digits);
  return currency === 'USD' ? `$${figure}` : `${figure} ${currency}`;
}
