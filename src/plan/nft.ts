// nftables text shared by every plan: a whole table replaced in one transaction.

/** Replaces a whole table in one nft transaction: create (so delete cannot fail), delete, define. */
export function atomicTable(name: string, body: string[], family: 'ip' | 'netdev' = 'ip'): string {
  return [`table ${family} ${name}`, `delete table ${family} ${name}`, `table ${family} ${name} {`, ...body, '}', ''].join('\n');
}
