/** Just enough of the DNS wire format (RFC 1035) for the name policy. */

const HEADER_BYTES = 12;
const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_REFUSED = 5;

export interface Question {
  /** Lower case, without the trailing dot. */
  name: string;
  type: number;
  /** Where the question section ends. */
  end: number;
}

/** A name at `offset`, following compression pointers; undefined when malformed. */
function readName(message: Buffer, start: number): { name: string; next: number } | undefined {
  const labels: string[] = [];
  let offset = start;
  let next: number | undefined;
  for (let jumps = 0; jumps < 64; ) {
    const length = message[offset];
    if (length === undefined) return undefined;
    if (length === 0) return { name: labels.join('.').toLowerCase(), next: next ?? offset + 1 };
    if ((length & 0xc0) === 0xc0) {
      if (offset + 1 >= message.length) return undefined;
      next ??= offset + 2;
      offset = ((length & 0x3f) << 8) | (message[offset + 1] ?? 0);
      jumps++;
      continue;
    }
    if (length > 63 || offset + 1 + length > message.length) return undefined;
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString('latin1'));
    offset += 1 + length;
  }
  return undefined;
}

/** The first (in practice only) question of a message. */
export function questionOf(message: Buffer): Question | undefined {
  if (message.length < HEADER_BYTES || message.readUInt16BE(4) < 1) return undefined;
  const read = readName(message, HEADER_BYTES);
  if (read === undefined || read.next + 4 > message.length) return undefined;
  return { name: read.name, type: message.readUInt16BE(read.next), end: read.next + 4 };
}

/** A REFUSED answer to `query`: its id, flags and question, no records. */
export function refusedAnswer(query: Buffer, question: Question): Buffer {
  const answer = Buffer.from(query.subarray(0, question.end));
  const rd = query.readUInt16BE(2) & 0x0100;
  const opcode = query.readUInt16BE(2) & 0x7800;
  answer.writeUInt16BE(0x8000 | opcode | rd | 0x0080 | RCODE_REFUSED, 2);
  answer.writeUInt16BE(1, 4);
  answer.writeUInt16BE(0, 6);
  answer.writeUInt16BE(0, 8);
  answer.writeUInt16BE(0, 10);
  return answer;
}

/** The IPv4 addresses of the A records in an answer's answer section, with their TTLs. */
export function addressRecords(reply: Buffer): { address: string; ttlS: number }[] {
  const question = questionOf(reply);
  if (question === undefined) return [];
  const found: { address: string; ttlS: number }[] = [];
  let offset = question.end;
  for (let i = 0; i < reply.readUInt16BE(6); i++) {
    const owner = readName(reply, offset);
    if (owner === undefined || owner.next + 10 > reply.length) break;
    const type = reply.readUInt16BE(owner.next);
    const klass = reply.readUInt16BE(owner.next + 2);
    const ttlS = reply.readUInt32BE(owner.next + 4);
    const length = reply.readUInt16BE(owner.next + 8);
    const data = owner.next + 10;
    if (data + length > reply.length) break;
    if (type === TYPE_A && klass === CLASS_IN && length === 4) found.push({ address: [...reply.subarray(data, data + 4)].join('.'), ttlS });
    offset = data + length;
  }
  return found;
}
