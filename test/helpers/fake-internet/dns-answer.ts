/**
 * The reply of a test's authoritative DNS server: the A record of a name in `records`, an empty
 * answer for its other types, NXDOMAIN for names it does not know. Undefined for a message too
 * short to hold a question. Shared by the fake internet and the bench's download origin.
 */
export function dnsAnswer(query: Buffer, records: Readonly<Record<string, string>>, ttlS: number): Buffer | undefined {
  if (query.length < 12) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < query.length && query[offset] !== 0) {
    const length = query[offset] ?? 0;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString());
    offset += 1 + length;
  }
  const end = offset + 5;
  if (end > query.length) return undefined;
  const address = records[labels.join('.').toLowerCase()];
  const found = address !== undefined && query.readUInt16BE(end - 4) === 1;
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180 | (address === undefined ? 3 : 0), 2); // a response, recursion desired and available; NXDOMAIN when unknown
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(found ? 1 : 0, 6);
  header.writeUInt32BE(0, 8);
  const parts = [header, query.subarray(12, end)];
  if (found) {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name, as a pointer to the question's
    record.writeUInt16BE(1, 2);
    record.writeUInt16BE(1, 4);
    record.writeUInt32BE(ttlS, 6);
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
    parts.push(record);
  }
  return Buffer.concat(parts);
}
