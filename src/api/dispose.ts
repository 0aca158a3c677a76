// Symbol.asyncDispose where the runtime lacks it (Node 20 before 20.4), under the name Node itself uses, so `await using` works.
const symbols = Symbol as unknown as { asyncDispose?: symbol };
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');
export {};
