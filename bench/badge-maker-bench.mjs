// shields.io's badge-maker rendering the same flat badge as bench/render.py, for comparison.
//   node bench/badge-maker-bench.mjs [seconds]   (after: npm install --prefix bench)
// Prints one JSON line: {"version": ..., "flat": renders per second (best of 3 rounds)}.
import { readFileSync } from 'node:fs'
import { makeBadge } from 'badge-maker'

const seconds = Number(process.argv[2] || 1)
const version = JSON.parse(
  readFileSync(new URL('./node_modules/badge-maker/package.json', import.meta.url)),
).version
const scores = Array.from({ length: 100 }, (_, i) => String(i + 1))

function rate(render) {
  let best = 0
  for (let round = 0; round < 3; round++) {
    const end = process.hrtime.bigint() + BigInt(Math.round((seconds / 3) * 1e9))
    const start = process.hrtime.bigint()
    let n = 0
    while (process.hrtime.bigint() < end) {
      for (let i = 0; i < 100; i++) render(scores[(n + i) % 100])
      n += 100
    }
    best = Math.max(best, n / (Number(process.hrtime.bigint() - start) / 1e9))
  }
  return Math.round(best)
}

const flat = rate(message => makeBadge({ label: 'influence', message, color: '#8f6200', style: 'flat' }))
console.log(JSON.stringify({ version, flat }))
