// Copied verbatim from shared/bench/book-workload.mjs (the project's shared benchmark inputs, outside this repository),
// so bench:book runs from a clone. Keep it identical to the source: both books are measured on exactly this.
// A seeded order-book workload in exchange-core's mix: 9% GTC, 3% IOC, 6% cancel, 82% move; ~1,000 resting orders.
// Commands: ['gtc'|'ioc', id, side, price, size] | ['cancel', id] | ['move', id, newPrice]
export function workload(n = 1_000_000, seed = 42) {
  let s = seed >>> 0;
  const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const live = []; const cmds = []; let next = 1; const mid = 5000;
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (live.length < 1000 || r < 0.09) {
      const side = rnd() < 0.5 ? 'buy' : 'sell';
      const off = Math.floor(rnd() * 40) - 5; // mostly resting, sometimes crossing
      const price = side === 'buy' ? mid - off : mid + off;
      const id = next++; cmds.push(['gtc', id, side, price, 1 + Math.floor(rnd() * 10)]); live.push(id);
    } else if (r < 0.12) {
      const side = rnd() < 0.5 ? 'buy' : 'sell';
      cmds.push(['ioc', next++, side, side === 'buy' ? mid + 3 : mid - 3, 1 + Math.floor(rnd() * 5)]);
    } else if (r < 0.18) {
      const k = Math.floor(rnd() * live.length); cmds.push(['cancel', live[k]]); live[k] = live[live.length - 1]; live.pop();
    } else {
      const k = Math.floor(rnd() * live.length); cmds.push(['move', live[k], mid + Math.floor(rnd() * 60) - 30]);
    }
  }
  return cmds;
}
