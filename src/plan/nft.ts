// nftables text shared by every plan: a whole table replaced in one transaction.

/** Replaces a whole table in one nft transaction: create (so delete cannot fail), delete, define. */
export function atomicTable(name: string, body: string[]): string {
  return [`table ip ${name}`, `delete table ip ${name}`, `table ip ${name} {`, ...body, '}', ''].join('\n');
}
